using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbooks.Catalogue;
using Runbooks.Text;

namespace Runbooks.Autoextend.Policy;

/// <summary>An option's JSON key in the config file and its name on the command line.</summary>
public sealed record PolicyOptionName(string Key, string CommandLine);

/// <summary>
/// Builds an <see cref="AutoextendPolicy"/> from an optional JSON config file, then command-line values that
/// override it, on top of the defaults. Every problem in both is collected and reported at once, each with where it
/// is (file, line and column; or the command-line option), the value, and what was expected.
/// </summary>
/// <remarks>
/// The file is one object whose keys are the policy's properties in camelCase (<c>"usedPercentThreshold": 85</c>);
/// comments and trailing commas are allowed, and so is <c>"$schema"</c>. Sizes and durations are numbers (bytes,
/// seconds) or strings in <see cref="PolicyValues"/>' forms. Relative <c>historyPath</c> and <c>metricsPath</c> in
/// the file resolve against its folder; on the command line they stay as given. A bad value in the file is reported
/// even when the command line overrides it: the next run without the override would fail on it.
/// </remarks>
public static class PolicyLoader
{
    private const string SchemaKey = "$schema";

    /// <summary>Every option, in the order the docs list them: for a CLI to register and to document.</summary>
    public static ImmutableArray<PolicyOptionName> Options { get; } =
        [.. PolicyOptions.All.Select(o => new PolicyOptionName(o.Key, o.CommandLine))];

    /// <summary>
    /// The policy from <paramref name="configPath"/> (null: no file), with <paramref name="overrides"/> applied.
    /// Overrides are name to text value, in the order given (the last of a repeated one wins); a name is a
    /// command-line option (<c>--used-percent-threshold</c>, <c>--lv</c>), with or without dashes, or a JSON key
    /// (<c>usedPercentThreshold</c>). Optional options take <c>none</c> to unset what the file set.
    /// </summary>
    /// <exception cref="PolicyException">The file is missing or unreadable, or any value is bad: all problems.</exception>
    public static AutoextendPolicy Load(string? configPath, IEnumerable<KeyValuePair<string, string>>? overrides = null)
    {
        var reader = new PolicyReader();
        if (configPath is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(configPath);
            if (ReadBytes(configPath, out var problem) is { } bytes)
                reader.ReadFile(bytes, configPath);
            else
                reader.FileUnreadable(configPath, problem!);
        }
        reader.ReadOverrides(overrides ?? []);
        return reader.Build();
    }

    /// <summary>
    /// Like <see cref="Load"/> with the file's text given: problems name <paramref name="sourcePath"/>, and relative
    /// paths resolve against its folder (the file itself need not exist).
    /// </summary>
    /// <exception cref="PolicyException">Every problem found.</exception>
    public static AutoextendPolicy Parse(string json, string sourcePath, IEnumerable<KeyValuePair<string, string>>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var reader = new PolicyReader();
        reader.ReadFile(Encoding.UTF8.GetBytes(json), sourcePath);
        reader.ReadOverrides(overrides ?? []);
        return reader.Build();
    }

    /// <summary>
    /// The policy as a config file <see cref="Load"/> reads back to an equal policy: every option that has a value,
    /// sizes in bytes, durations in whole seconds or milliseconds ("1130ms"), <c>whenGroupFull</c> as "addDisk" or "alert". What the installer writes
    /// to a machine (docs/autoextend-install.md), so the grower there runs with exactly the policy validated here.
    /// </summary>
    public static string ToJson(AutoextendPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var option in PolicyOptions.All)
            {
                switch (option.Get(policy))
                {
                    case null:
                        break;
                    case string text:
                        json.WriteString(option.Key, text);
                        break;
                    case double number:
                        json.WriteNumber(option.Key, number);
                        break;
                    case long bytes:
                        json.WriteNumber(option.Key, bytes);
                        break;
                    case int count:
                        json.WriteNumber(option.Key, count);
                        break;
                    // Whole seconds as a number; otherwise whole milliseconds as "1130ms": 1.13 as a double reads
                    // back a tick short (TimeSpan.FromSeconds truncates), and the policy must read back equal.
                    case TimeSpan span when span.Ticks % TimeSpan.TicksPerSecond == 0:
                        json.WriteNumber(option.Key, (long)span.TotalSeconds);
                        break;
                    case TimeSpan span when span.Ticks % TimeSpan.TicksPerMillisecond == 0:
                        json.WriteString(option.Key, string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalMilliseconds}ms"));
                        break;
                    case TimeSpan span:
                        throw new InvalidOperationException($"policy option {option.Key} is {span}, finer than a millisecond: no policy value is");
                    case WhenGroupFull action:
                        json.WriteString(option.Key, action == WhenGroupFull.AddDisk ? "addDisk" : "alert");
                        break;
                    case var other:
                        throw new InvalidOperationException($"policy option {option.Key} has a value of type {other.GetType().Name}, which has no JSON form");
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static byte[]? ReadBytes(string path, out string? problem)
    {
        problem = null;
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            problem = $"{fullPath} is a folder; pass the policy file itself";
            return null;
        }
        if (!File.Exists(fullPath))
        {
            problem = $"policy file not found: {fullPath}";
            return null;
        }
        try
        {
            return File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read {fullPath}: {e.Message}";
            return null;
        }
    }

    /// <summary>Where a value came from: a place in the file, or a command-line option.</summary>
    private sealed record Origin(string Source, int? Line, int? Column, string Label);

    /// <summary>Accumulates values and problems from the file, then the command line; <see cref="Build"/> ends it.</summary>
    private sealed class PolicyReader
    {
        private readonly Dictionary<PolicyOption, (object? Value, Origin Origin)> values = [];
        private readonly HashSet<PolicyOption> invalid = [];
        private readonly List<PolicyProblem> fileProblems = [];
        private readonly List<PolicyProblem> commandLineProblems = [];
        private string? file;
        private bool fileUnreadable;

        public void FileUnreadable(string sourcePath, string message)
        {
            file = sourcePath;
            fileUnreadable = true;
            fileProblems.Add(new PolicyProblem(sourcePath, null, null, "", message));
        }

        public void ReadFile(ReadOnlyMemory<byte> utf8, string sourcePath)
        {
            file = sourcePath;
            // Editors on Windows like to start UTF-8 files with a byte order mark, which the JSON reader rejects.
            ReadOnlySpan<byte> byteOrderMark = [0xEF, 0xBB, 0xBF];
            if (utf8.Span.StartsWith(byteOrderMark))
                utf8 = utf8[byteOrderMark.Length..];
            // The shared parser's wording for an empty file is about the catalogue.
            if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty)
            {
                fileUnreadable = true;
                fileProblems.Add(new PolicyProblem(sourcePath, 1, 1, "",
                    "invalid JSON: the file is empty; it needs at least { \"volume\": \"vg0/data0\" }, or {} with --lv"));
                return;
            }

            // The catalogue's reader keeps every value's line and column, which these messages need too.
            var parseProblems = new ProblemCollector(sourcePath);
            var root = PositionedJsonParser.Parse(utf8, parseProblems);
            fileProblems.AddRange(parseProblems.InDocumentOrder().Select(p => new PolicyProblem(p.File, p.Line, p.Column, p.KeyPath, p.Message)));
            if (root is null)
            {
                fileUnreadable = true;
                return;
            }
            if (root is not PositionedObject policy)
            {
                fileUnreadable = true;
                AddFileProblem(root.Position, "", $"expected the policy to be an object {{ \"volume\": \"vg0/data0\", ... }}, got {Describe(root)}");
                return;
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(sourcePath)) ?? "/";
            foreach (var property in policy.Properties)
            {
                if (property.Name == SchemaKey)
                    continue;
                if (PolicyOptions.ByKey(property.Name) is not { } option)
                {
                    var hint = Suggestions.Closest(property.Name, PolicyOptions.All.Select(o => o.Key)) is { } closest
                        ? $"did you mean \"{closest}\"?"
                        : $"expected one of {string.Join(", ", PolicyOptions.All.Select(o => $"\"{o.Key}\""))}";
                    AddFileProblem(property.NamePosition, "", $"unknown key \"{property.Name}\"; {hint}");
                    continue;
                }

                var position = property.Value.Position;
                string? problem;
                object? value = null;
                if (property.Value is PositionedScalar scalar)
                    problem = option.FromJson(scalar.Value, Describe(scalar), out value);
                else
                    problem = $"expected {option.Expected}, got {Describe(property.Value)}";

                if (problem is not null)
                {
                    AddFileProblem(position, option.Key, problem);
                    invalid.Add(option);
                    continue;
                }
                if (option.Kind == ValueKind.LocalPath && value is string path)
                    value = Path.GetFullPath(Path.Combine(folder, path));
                values[option] = (value, new Origin(sourcePath, position.Line, position.Column, option.Key));
            }
        }

        public void ReadOverrides(IEnumerable<KeyValuePair<string, string>> overrides)
        {
            foreach (var (name, text) in overrides)
            {
                ArgumentNullException.ThrowIfNull(name);
                ArgumentNullException.ThrowIfNull(text);
                if (PolicyOptions.ByName(name) is not { } option)
                {
                    var bare = name.TrimStart('-');
                    var hint = Suggestions.Closest(bare, PolicyOptions.All.Select(o => o.CommandLine.TrimStart('-'))) is { } closest
                        ? $"did you mean \"--{closest}\"?"
                        : $"expected one of {string.Join(", ", PolicyOptions.All.Select(o => o.CommandLine))}";
                    commandLineProblems.Add(new PolicyProblem(PolicyProblem.CommandLine, null, null, $"--{bare}", $"unknown option; {hint}"));
                    continue;
                }

                if (option.FromText(text, $"\"{text}\"", out var value) is { } problem)
                {
                    commandLineProblems.Add(new PolicyProblem(PolicyProblem.CommandLine, null, null, option.CommandLine, problem));
                    invalid.Add(option);
                    continue;
                }
                values[option] = (value, new Origin(PolicyProblem.CommandLine, null, null, option.CommandLine));
            }
        }

        public AutoextendPolicy Build()
        {
            if (!values.ContainsKey(PolicyOptions.Volume) && !invalid.Contains(PolicyOptions.Volume) && !fileUnreadable)
                RequireVolume();

            var policy = new AutoextendPolicy { Volume = values.TryGetValue(PolicyOptions.Volume, out var volume) ? (string)volume.Value! : "" };
            foreach (var (option, (value, _)) in values)
                policy = option.Set(policy, value);

            foreach (var (key, involves, message) in PolicyOptions.CrossFieldProblems(policy))
            {
                var options = involves.Select(k => PolicyOptions.ByKey(k)!).ToList();
                if (options.Any(invalid.Contains))
                    continue;
                // Reported where the user set one of the options, the rule's own first; the defaults agree with each other.
                var origin = options.Where(values.ContainsKey).Select(o => values[o].Origin).FirstOrDefault()
                    ?? new Origin(PolicyProblem.InCode, null, null, key);
                var label = origin.Source == PolicyProblem.CommandLine ? PolicyOptions.ByKey(key)!.CommandLine : key;
                var problem = new PolicyProblem(origin.Source, origin.Line, origin.Column, label, message);
                (origin.Source == PolicyProblem.CommandLine ? commandLineProblems : fileProblems).Add(problem);
            }

            if (fileProblems.Count == 0 && commandLineProblems.Count == 0)
                return policy;
            // File problems in document order, which is how people read and fix them; the command line's as given.
            throw new PolicyException(
                fileProblems.OrderBy(p => p.Line ?? 0).ThenBy(p => p.Column ?? 0).Concat(commandLineProblems));
        }

        private void RequireVolume()
        {
            const string What = "the logical volume to keep from filling, as VG/LV";
            if (file is null)
                commandLineProblems.Add(new PolicyProblem(PolicyProblem.CommandLine, null, null, PolicyOptions.Volume.CommandLine,
                    $"missing: {What}, e.g. --lv vg0/data0"));
            else
                fileProblems.Add(new PolicyProblem(file, null, null, "",
                    $"missing required key \"volume\": {What}, e.g. \"volume\": \"vg0/data0\" (or --lv vg0/data0)"));
        }

        private void AddFileProblem(TextPosition position, string key, string message) =>
            fileProblems.Add(new PolicyProblem(file!, position.Line, position.Column, key, message));

        private static string Describe(PositionedNode node) => node switch
        {
            PositionedObject => "an object",
            PositionedArray => "an array",
            PositionedScalar { Value.ValueKind: JsonValueKind.Null } => "null",
            PositionedScalar scalar => Shorten(scalar.Value.GetRawText()),
            _ => "an unexpected value",
        };

        private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
    }
}
