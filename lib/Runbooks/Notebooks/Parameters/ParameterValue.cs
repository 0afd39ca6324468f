using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Runbooks.Notebooks.Parameters;

/// <summary>A value for a parameter, from the command line (text) or a catalogue profile (JSON).</summary>
public abstract record ParameterValue
{
    public sealed record Text(string Value) : ParameterValue;

    public sealed record Json(JsonElement Value) : ParameterValue;

    public static ParameterValue FromText(string value) => new Text(value);

    public static ParameterValue FromJson(JsonElement value) => new Json(value.Clone());

    /// <summary>The C# expression that gives <paramref name="parameter"/> this value; rejects values that do not fit its type.</summary>
    public string ToCSharp(NotebookParameter parameter)
    {
        var type = parameter.TypeName.Replace(" ", string.Empty, StringComparison.Ordinal).TrimEnd('?');
        return type switch
        {
            "string" => StringLiteral(AsText(parameter)),
            "bool" => AsText(parameter).ToLowerInvariant() switch
            {
                "true" => "true",
                "false" => "false",
                var other => throw Mismatch(parameter, other, "true or false"),
            },
            "int" or "long" or "short" or "byte" or "uint" or "ulong" => Integer(parameter, type),
            "double" or "float" or "decimal" => Number(parameter, type),
            "TimeSpan" or "System.TimeSpan" => $"System.TimeSpan.Parse({StringLiteral(ParseTimeSpan(parameter))}, System.Globalization.CultureInfo.InvariantCulture)",
            "string[]" => $"new string[] {{ {string.Join(", ", Items(parameter).Select(StringLiteral))} }}",
            "int[]" => $"new int[] {{ {string.Join(", ", Items(parameter).Select(i => Integer(parameter with { TypeName = "int" }, "int", i)))} }}",
            "List<string>" or "IReadOnlyList<string>" or "IList<string>" or "IEnumerable<string>" =>
                $"new System.Collections.Generic.List<string> {{ {string.Join(", ", Items(parameter).Select(StringLiteral))} }}",
            _ => throw new ParameterException(
                $"parameter '{parameter.Name}' is declared as {parameter.TypeName}, which a profile or -p cannot set; declare it as string, bool, int, long, double, TimeSpan or string[]."),
        };
    }

    private string AsText(NotebookParameter parameter) => this switch
    {
        Text t => t.Value,
        Json { Value.ValueKind: JsonValueKind.String } j => j.Value.GetString()!,
        Json { Value.ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } j => j.Value.GetRawText(),
        Json j => throw Mismatch(parameter, j.Value.GetRawText(), $"a single {parameter.TypeName}"),
        _ => throw new InvalidOperationException(),
    };

    private IEnumerable<string> Items(NotebookParameter parameter) => this switch
    {
        Json { Value.ValueKind: JsonValueKind.Array } j => j.Value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()),
        // On the command line a list is comma-separated: -p hosts=client,server
        _ => AsText(parameter).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
    };

    private string Integer(NotebookParameter parameter, string type, string? item = null)
    {
        var text = item ?? AsText(parameter);
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw Mismatch(parameter, text, "a whole number");
        var fits = type switch
        {
            "int" => value is >= int.MinValue and <= int.MaxValue,
            "short" => value is >= short.MinValue and <= short.MaxValue,
            "byte" => value is >= 0 and <= byte.MaxValue,
            "uint" => value is >= 0 and <= uint.MaxValue,
            "ulong" => value >= 0,
            _ => true,
        };
        if (!fits)
            throw Mismatch(parameter, text, $"a number that fits {type}");
        return value.ToString(CultureInfo.InvariantCulture) + (type is "long" ? "L" : type is "ulong" ? "UL" : type is "uint" ? "U" : string.Empty);
    }

    private string Number(NotebookParameter parameter, string type)
    {
        var text = AsText(parameter);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Mismatch(parameter, text, "a number such as 1.5");
        var suffix = type switch { "float" => "f", "decimal" => "m", _ => "d" };
        return value.ToString("R", CultureInfo.InvariantCulture) + suffix;
    }

    private string ParseTimeSpan(NotebookParameter parameter)
    {
        var text = AsText(parameter);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
            return span.ToString("c", CultureInfo.InvariantCulture);
        throw Mismatch(parameter, text, "seconds (90) or hh:mm:ss (00:01:30)");
    }

    private static ParameterException Mismatch(NotebookParameter parameter, string value, string expected) =>
        new($"parameter '{parameter.Name}' ({parameter.TypeName}) cannot be '{value}': expected {expected}.");

    public static string StringLiteral(string value)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in value)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return literal.Append('"').ToString();
    }
}
