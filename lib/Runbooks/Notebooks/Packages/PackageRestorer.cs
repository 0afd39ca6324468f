using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Runbooks.Hosts;

namespace Runbooks.Notebooks.Packages;

/// <summary>Packages that could not be restored; the message names them and carries what NuGet said.</summary>
public sealed class PackageRestoreException(string message) : Exception(message);

/// <summary>
/// Restores a notebook's <c>#r "nuget:…"</c> packages as VS Code's kernel does: a throwaway project with
/// those package references, <c>dotnet restore</c>, and the runtime assemblies of every package in the
/// closure. Cached by the package list (outside the repository), so a second run does not restore again.
/// </summary>
public static class PackageRestorer
{
    private static readonly TimeSpan s_restoreTimeout = TimeSpan.FromMinutes(3);
    private const string AssemblyListFile = "assemblies.txt";

    public static string CacheRoot =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "runbook", "packages");

    public static async Task<ImmutableArray<string>> RestoreAsync(IReadOnlyList<NuGetPackage> packages, CancellationToken cancellationToken = default)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', packages.OrderBy(p => p.Id, StringComparer.OrdinalIgnoreCase).Select(p => $"{p.Id.ToLowerInvariant()}/{p.Version}")))))[..16];
        var folder = Path.Combine(CacheRoot, key);
        var list = Path.Combine(folder, AssemblyListFile);
        if (File.Exists(list) && File.ReadAllLines(list) is var cached && cached.All(File.Exists))
            return [.. cached];

        Directory.CreateDirectory(folder);
        new XDocument(new XElement("Project", new XAttribute("Sdk", "Microsoft.NET.Sdk"),
            new XElement("PropertyGroup",
                new XElement("TargetFramework", $"net{Environment.Version.Major}.0"),
                // A cache folder may sit below a repository: none of its build settings apply here.
                new XElement("ImportDirectoryBuildProps", "false"),
                new XElement("ImportDirectoryBuildTargets", "false"),
                new XElement("ImportDirectoryPackagesProps", "false"),
                new XElement("ManagePackageVersionsCentrally", "false")),
            new XElement("ItemGroup", packages.Select(p => new XElement("PackageReference",
                new XAttribute("Include", p.Id), new XAttribute("Version", p.Version ?? "*"))))))
            .Save(Path.Combine(folder, "packages.csproj"));

        var (exitCode, output) = await RunRestoreAsync(folder, cancellationToken).ConfigureAwait(false);
        var names = string.Join(", ", packages.Select(p => p.Version is null ? p.Id : $"{p.Id} {p.Version}"));
        if (exitCode != 0)
        {
            var errors = output.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).Distinct().Take(5);
            throw new PackageRestoreException($"could not restore {names}: {string.Join(" ", errors).Replace(folder + "/packages.csproj", "", StringComparison.Ordinal).Trim()}");
        }

        var assemblies = RuntimeAssemblies(Path.Combine(folder, "obj", "project.assets.json"));
        File.WriteAllLines(list, assemblies);
        return assemblies;
    }

    private static async Task<(int ExitCode, string Output)> RunRestoreAsync(string folder, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await ChildProcess.RunAsync("dotnet", ["restore", "packages.csproj", "--nologo", "-v", "quiet"],
                standardInput: null, s_restoreTimeout, environment: null, cancellationToken, workingDirectory: folder).ConfigureAwait(false);
            return (outcome.ExitCode, outcome.StandardOutput + outcome.StandardError);
        }
        catch (ChildProcess.TimedOutException)
        {
            throw new PackageRestoreException($"dotnet restore did not finish within {s_restoreTimeout.TotalMinutes} minutes (is the package source reachable?).");
        }
        catch (InvalidOperationException e)
        {
            throw new PackageRestoreException($"#r \"nuget:…\" needs the .NET SDK (`dotnet`) on PATH to restore packages: {e.Message}");
        }
    }

    /// <summary>The runtime assemblies of every package restored, as absolute paths, from NuGet's assets file.</summary>
    internal static ImmutableArray<string> RuntimeAssemblies(string assetsFile)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(assetsFile));
        var root = assets.RootElement;
        var folders = root.GetProperty("packageFolders").EnumerateObject().Select(f => f.Name).ToList();
        var libraries = root.GetProperty("libraries");
        var target = root.GetProperty("targets").EnumerateObject().First().Value;
        var paths = ImmutableArray.CreateBuilder<string>();
        foreach (var package in target.EnumerateObject())
        {
            if (!package.Value.TryGetProperty("runtime", out var runtime) || package.Value.GetProperty("type").GetString() != "package")
                continue;
            var packagePath = libraries.GetProperty(package.Name).GetProperty("path").GetString()!;
            foreach (var file in runtime.EnumerateObject().Select(r => r.Name).Where(n => n.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
            {
                var full = folders.Select(f => Path.Combine(f, packagePath, file)).FirstOrDefault(File.Exists);
                if (full is not null)
                    paths.Add(full);
            }
        }
        return paths.ToImmutable();
    }
}
