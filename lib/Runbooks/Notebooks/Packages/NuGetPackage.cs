using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Runbooks.Notebooks.Packages;

/// <summary>A package a notebook asks for with <c>#r "nuget: Id, Version"</c> (version optional: latest).</summary>
public sealed partial record NuGetPackage(string Id, string? Version)
{
    /// <summary>Every package the given C# cells reference, first mention first, each id once.</summary>
    public static ImmutableArray<NuGetPackage> FindAll(IEnumerable<string> sources) =>
        [.. sources.SelectMany(source => Reference().Matches(source))
            .Select(m => new NuGetPackage(m.Groups["id"].Value.Trim(), m.Groups["version"].Success ? m.Groups["version"].Value.Trim() : null))
            .DistinctBy(p => p.Id.ToLowerInvariant())];

    /// <summary>
    /// The cell with each <c>#r "nuget:…"</c> line turned into a comment, so it keeps its line numbers; the
    /// restored assemblies reach the kernel as references instead.
    /// </summary>
    public static string CommentOut(string source) => Reference().Replace(source, m => "// " + m.Value.TrimStart() + " (restored by runbook before the first cell)");

    public static bool AnyIn(string source) => Reference().IsMatch(source);

    [GeneratedRegex(@"^[ \t]*#r[ \t]+""nuget:[ \t]*(?<id>[A-Za-z0-9_.\-]+)[ \t]*(?:,[ \t]*(?<version>[^""]+?))?[ \t]*""[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Reference();
}
