using System.Buffers;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runbooks.Text;

namespace Runbooks.Catalogue;

/// <summary>
/// Turns the positioned tree into a <see cref="RunbookCatalogue"/>, reporting every problem it meets rather
/// than stopping at the first. The result is only meaningful when no problems were reported.
/// </summary>
internal sealed class CatalogueValidator(ProblemCollector problems, string sourcePath, string baseDirectory)
{
    private const string DefaultArtifacts = "artifacts/notebooks";

    private static readonly string[] RootKeys = ["$schema", "artifacts", "defaults", "redact", "notebooks"];
    private static readonly string[] DefaultsKeys = ["cellTimeoutSeconds", "timeoutSeconds"];
    private static readonly string[] RedactionKeys = ["name", "pattern"];
    private static readonly string[] NotebookKeys =
        ["path", "description", "ci", "ciProfile", "cellTimeoutSeconds", "timeoutSeconds", "profiles"];
    private static readonly string[] ProfileKeys = ["description", "parameters"];

    private const string CatalogueNameRule = "use lowercase letters, digits and '-', starting with a letter or digit";

    public RunbookCatalogue? Validate(PositionedNode root)
    {
        if (root is not PositionedObject catalogue)
        {
            problems.Add(root.Position, "", $"expected the catalogue to be an object {{ \"notebooks\": {{ ... }} }}, got {Describe(root)}");
            return null;
        }

        RejectUnknownKeys(catalogue, RootKeys);
        var artifacts = ArtifactsDirectory(catalogue.Find("artifacts"));
        var defaults = Defaults(catalogue.Find("defaults"));
        var redactions = Redactions(catalogue.Find("redact"));
        var notebooks = Notebooks(catalogue, defaults);
        return new RunbookCatalogue(sourcePath, baseDirectory, artifacts, defaults, redactions, notebooks);
    }

    private string ArtifactsDirectory(PositionedProperty? property)
    {
        var relative = property is null ? DefaultArtifacts : NonEmptyString(property.Value) ?? DefaultArtifacts;
        return Path.GetFullPath(Path.Combine(baseDirectory, relative));
    }

    private CatalogueDefaults Defaults(PositionedProperty? property)
    {
        if (property is null)
            return CatalogueDefaults.Standard;
        if (ObjectOrReport(property.Value, "{ \"cellTimeoutSeconds\": ..., \"timeoutSeconds\": ... }") is not { } defaults)
            return CatalogueDefaults.Standard;

        RejectUnknownKeys(defaults, DefaultsKeys);
        return new CatalogueDefaults(
            Seconds(defaults.Find("cellTimeoutSeconds")) ?? CatalogueDefaults.Standard.CellTimeout,
            Seconds(defaults.Find("timeoutSeconds")) ?? CatalogueDefaults.Standard.Timeout);
    }

    private ImmutableArray<RedactionPattern> Redactions(PositionedProperty? property)
    {
        if (property is null)
            return [];
        if (property.Value is not PositionedArray entries)
        {
            Report(property.Value, $"expected an array of {{ \"name\": ..., \"pattern\": ... }}, got {Describe(property.Value)}");
            return [];
        }

        var redactions = ImmutableArray.CreateBuilder<RedactionPattern>();
        var firstSeen = new Dictionary<string, TextPosition>(StringComparer.Ordinal);
        foreach (var entry in entries.Items)
        {
            if (ObjectOrReport(entry, "{ \"name\": ..., \"pattern\": ... }") is not { } redaction)
                continue;
            RejectUnknownKeys(redaction, RedactionKeys);

            var name = RedactionName(redaction, firstSeen);
            var pattern = RedactionRegex(redaction);
            if (name is not null && pattern is not null)
                redactions.Add(new RedactionPattern(name, pattern));
        }
        return redactions.ToImmutable();
    }

    private string? RedactionName(PositionedObject redaction, Dictionary<string, TextPosition> firstSeen)
    {
        if (Required(redaction, "name", "a label such as \"fly-api-token\", shown where the secret was removed") is not { } property
            || NonEmptyString(property.Value) is not { } name)
            return null;

        if (!Names.IsRedactionName(name))
        {
            Report(property.Value, $"invalid redaction name \"{name}\"; use lowercase letters, digits and '-'");
            return null;
        }
        if (firstSeen.TryGetValue(name, out var first))
        {
            Report(property.Value, $"duplicate redaction name \"{name}\" (first at line {first.Line}); give each pattern its own name");
            return null;
        }
        firstSeen.Add(name, property.Value.Position);
        return name;
    }

    private string? RedactionRegex(PositionedObject redaction)
    {
        if (Required(redaction, "pattern", "a .NET regular expression matching the secret") is not { } property
            || NonEmptyString(property.Value) is not { } pattern)
            return null;

        try
        {
            _ = new Regex(pattern);
            return pattern;
        }
        catch (ArgumentException e)
        {
            Report(property.Value, $"invalid regular expression: {e.Message}");
            return null;
        }
    }

    private ImmutableArray<CatalogueNotebook> Notebooks(PositionedObject catalogue, CatalogueDefaults defaults)
    {
        if (Required(catalogue, "notebooks", "a map from runbook name to { \"path\": \"runbooks/NAME.ipynb\" }") is not { } property
            || ObjectOrReport(property.Value, "{ \"runbook-name\": { \"path\": ... } }") is not { } entries)
            return [];

        if (entries.Properties.IsEmpty)
        {
            Report(entries, "no notebooks listed; add one, e.g. \"my-runbook\": { \"path\": \"runbooks/my-runbook.ipynb\" }");
            return [];
        }

        var notebooks = ImmutableArray.CreateBuilder<CatalogueNotebook>();
        foreach (var entry in entries.Properties)
        {
            var nameIsValid = Names.IsCatalogueName(entry.Name);
            if (!nameIsValid)
                problems.Add(entry.NamePosition, entries.Path, $"invalid runbook name \"{entry.Name}\"; {CatalogueNameRule}");

            // Validate the body even under a bad name, so one load reports everything.
            if (Notebook(entry, defaults) is { } notebook && nameIsValid)
                notebooks.Add(notebook);
        }
        return notebooks.ToImmutable();
    }

    private CatalogueNotebook? Notebook(PositionedProperty entry, CatalogueDefaults defaults)
    {
        if (ObjectOrReport(entry.Value, "{ \"path\": \"runbooks/NAME.ipynb\", ... }") is not { } notebook)
            return null;

        RejectUnknownKeys(notebook, NotebookKeys);
        var path = NotebookPath(notebook);
        var description = OptionalString(notebook.Find("description"));
        var ciProperty = notebook.Find("ci");
        var ci = OptionalBool(ciProperty) ?? false;
        var ciProfileProperty = notebook.Find("ciProfile");
        var ciProfile = OptionalString(ciProfileProperty);
        var cellTimeout = Seconds(notebook.Find("cellTimeoutSeconds")) ?? defaults.CellTimeout;
        var timeout = Seconds(notebook.Find("timeoutSeconds")) ?? defaults.Timeout;
        var profiles = Profiles(notebook.Find("profiles"));

        var profileNames = profiles.Select(p => p.Name).ToList();
        if (ciProfileProperty is not null && ciProfile is not null && !profileNames.Contains(ciProfile, StringComparer.Ordinal))
            Report(ciProfileProperty.Value, UnknownCiProfile(ciProfile, profileNames));
        else if (ci && ciProfileProperty is null && profileNames.Count > 0)
            problems.Add(ciProperty!.NamePosition, notebook.Path,
                $"\"ci\" is true but \"ciProfile\" is missing; add \"ciProfile\" naming the profile CI runs: {Quoted(profileNames)}");

        return path is null
            ? null
            : new CatalogueNotebook(entry.Name, path, description, ci, ciProfile, cellTimeout, timeout, profiles);
    }

    private static string UnknownCiProfile(string ciProfile, List<string> profileNames)
    {
        if (profileNames.Count == 0)
            return $"unknown profile \"{ciProfile}\": this notebook has no \"profiles\"; add one or remove \"ciProfile\"";
        var hint = Suggestions.Closest(ciProfile, profileNames) is { } closest ? $"; did you mean \"{closest}\"?" : "";
        return $"unknown profile \"{ciProfile}\"{hint} available profiles: {Quoted(profileNames)}";
    }

    private string? NotebookPath(PositionedObject notebook)
    {
        if (Required(notebook, "path", "the notebook file, relative to the folder holding nbconfig.json") is not { } property
            || NonEmptyString(property.Value) is not { } relative)
            return null;

        if (!relative.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)
            && !relative.EndsWith(".dib", StringComparison.OrdinalIgnoreCase))
        {
            Report(property.Value, $"expected a path ending in .ipynb or .dib, got {Describe(property.Value)}");
            return null;
        }

        var resolved = Path.GetFullPath(Path.Combine(baseDirectory, relative));
        if (!File.Exists(resolved))
        {
            Report(property.Value, $"notebook file not found: {resolved}; \"path\" is relative to {baseDirectory}");
            return null;
        }
        return resolved;
    }

    private ImmutableArray<CatalogueProfile> Profiles(PositionedProperty? property)
    {
        if (property is null
            || ObjectOrReport(property.Value, "{ \"profile-name\": { \"parameters\": { ... } } }") is not { } entries)
            return [];

        var profiles = ImmutableArray.CreateBuilder<CatalogueProfile>();
        foreach (var entry in entries.Properties)
        {
            var nameIsValid = Names.IsCatalogueName(entry.Name);
            if (!nameIsValid)
                problems.Add(entry.NamePosition, entries.Path, $"invalid profile name \"{entry.Name}\"; {CatalogueNameRule}");

            if (ObjectOrReport(entry.Value, "{ \"description\": ..., \"parameters\": { ... } }") is not { } profile)
                continue;
            RejectUnknownKeys(profile, ProfileKeys);
            var description = OptionalString(profile.Find("description"));
            var parameters = Parameters(profile.Find("parameters"));
            if (nameIsValid)
                profiles.Add(new CatalogueProfile(entry.Name, description, parameters));
        }
        return profiles.ToImmutable();
    }

    private IReadOnlyDictionary<string, JsonElement> Parameters(PositionedProperty? property)
    {
        // OrderedDictionary so the caller sees parameters in the order the author wrote them.
        var parameters = new OrderedDictionary<string, JsonElement>(StringComparer.Ordinal);
        if (property is not null
            && ObjectOrReport(property.Value, "{ \"name\": value, ... }") is { } entries)
        {
            foreach (var entry in entries.Properties)
            {
                if (string.IsNullOrWhiteSpace(entry.Name))
                    problems.Add(entry.NamePosition, entries.Path, "empty parameter name; use the notebook's parameter name");
                else if (ParameterValue(entry.Value) is { } value)
                    parameters.Add(entry.Name, value);
            }
        }
        return new ReadOnlyDictionary<string, JsonElement>(parameters);
    }

    private JsonElement? ParameterValue(PositionedNode node)
    {
        switch (node)
        {
            case PositionedScalar scalar when ScalarKind(scalar) is not null:
                return scalar.Value;
            case PositionedArray array:
                return ParameterArray(array);
            default:
                Report(node, $"expected a string, number, true/false or an array of those, got {Describe(node)}");
                return null;
        }
    }

    private JsonElement? ParameterArray(PositionedArray array)
    {
        var valid = true;
        string? firstKind = null;
        foreach (var item in array.Items)
        {
            var kind = item is PositionedScalar scalar ? ScalarKind(scalar) : null;
            if (kind is null)
            {
                Report(item, $"expected array items to be strings, numbers or true/false, got {Describe(item)}");
                valid = false;
            }
            // Mixed arrays cannot convert to any one declared parameter type, so say so here, with a place.
            else if (firstKind is not null && kind != firstKind)
            {
                Report(item, $"expected every item to be {firstKind} like the first, got {Describe(item)}");
                valid = false;
            }
            firstKind ??= kind;
        }
        return valid ? ArrayElement(array) : null;
    }

    private static string? ScalarKind(PositionedScalar scalar) => scalar.Value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => null,
    };

    private static JsonElement ArrayElement(PositionedArray array)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in array.Items)
                ((PositionedScalar)item).Value.WriteTo(writer);
            writer.WriteEndArray();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private TimeSpan? Seconds(PositionedProperty? property)
    {
        if (property is null)
            return null;

        var value = property.Value;
        if (value is PositionedScalar { Value.ValueKind: JsonValueKind.Number } scalar
            && scalar.Value.TryGetDouble(out var seconds) && double.IsFinite(seconds) && seconds > 0)
        {
            try
            {
                return TimeSpan.FromSeconds(seconds);
            }
            catch (OverflowException)
            {
                Report(value, $"expected a number of seconds > 0 that fits a timeout, got {Describe(value)}");
                return null;
            }
        }
        Report(value, $"expected a number of seconds > 0, got {Describe(value)}");
        return null;
    }

    private string? OptionalString(PositionedProperty? property)
    {
        if (property is null)
            return null;
        if (property.Value is PositionedScalar { Value.ValueKind: JsonValueKind.String } scalar)
            return scalar.Value.GetString();
        Report(property.Value, $"expected a string, got {Describe(property.Value)}");
        return null;
    }

    private string? NonEmptyString(PositionedNode node)
    {
        if (node is PositionedScalar { Value.ValueKind: JsonValueKind.String } scalar
            && scalar.Value.GetString() is { } text && !string.IsNullOrWhiteSpace(text))
            return text;
        Report(node, $"expected a non-empty string, got {Describe(node)}");
        return null;
    }

    private bool? OptionalBool(PositionedProperty? property)
    {
        if (property is null)
            return null;
        if (property.Value is PositionedScalar { Value.ValueKind: JsonValueKind.True or JsonValueKind.False } scalar)
            return scalar.Value.GetBoolean();
        Report(property.Value, $"expected true or false, got {Describe(property.Value)}");
        return null;
    }

    private PositionedObject? ObjectOrReport(PositionedNode node, string shape)
    {
        if (node is PositionedObject value)
            return value;
        Report(node, $"expected an object {shape}, got {Describe(node)}");
        return null;
    }

    /// <summary>The property, or null after reporting it missing at the object that should hold it.</summary>
    private PositionedProperty? Required(PositionedObject holder, string key, string what)
    {
        if (holder.Find(key) is { } property)
            return property;
        problems.Add(holder.Position, holder.Path, $"missing required key \"{key}\": {what}");
        return null;
    }

    private void RejectUnknownKeys(PositionedObject holder, string[] knownKeys)
    {
        foreach (var property in holder.Properties)
        {
            if (knownKeys.Contains(property.Name, StringComparer.Ordinal))
                continue;
            var hint = Suggestions.Closest(property.Name, knownKeys) is { } closest
                ? $"did you mean \"{closest}\"?"
                : $"expected one of {Quoted(knownKeys)}";
            problems.Add(property.NamePosition, holder.Path, $"unknown key \"{property.Name}\"; {hint}");
        }
    }

    private void Report(PositionedNode node, string message) => problems.Add(node.Position, node.Path, message);

    private static string Describe(PositionedNode node) => node switch
    {
        PositionedObject => "an object",
        PositionedArray => "an array",
        PositionedScalar { Value.ValueKind: JsonValueKind.Null } => "null",
        PositionedScalar scalar => Shorten(scalar.Value.GetRawText()),
        _ => "an unexpected value",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"\"{n}\""));
}

/// <summary>Name rules: catalogue and profile names become CLI arguments and file names.</summary>
internal static class Names
{
    public static bool IsCatalogueName(string name) =>
        name.Length > 0 && name[0] != '-' && name.All(IsNameCharacter);

    public static bool IsRedactionName(string name) => name.Length > 0 && name.All(IsNameCharacter);

    private static bool IsNameCharacter(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-';
}
