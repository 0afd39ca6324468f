using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Runbooks.Capture;

/// <summary>
/// Reads the JSON that ip and nft print, tracking the JSON path, so that a missing or mistyped member becomes a
/// <see cref="CaptureFormatException"/> naming exactly where it is instead of a bare KeyNotFound or InvalidOperation.
/// </summary>
internal readonly record struct Json(JsonElement Element, string Path, string Format)
{
    public static JsonDocument Parse(string text, string format)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : "$";
            throw new CaptureFormatException(format, where, $"not valid JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')}). Expected the whole output of the command, as it printed it.");
        }
    }

    public static Json Root(JsonDocument document, string format) => new(document.RootElement, "$", format);

    public CaptureFormatException Error(string problem) => new(Format, Path, problem);

    public IEnumerable<Json> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array)
            throw Error($"expected an array, found {Describe(Element)}");
        var index = 0;
        foreach (var item in Element.EnumerateArray())
            yield return new Json(item, $"{Path}[{index++}]", Format);
    }

    public Json Required(string name) =>
        TryGet(name) ?? throw new CaptureFormatException(Format, $"{Path}.{name}", $"the member \"{name}\" is missing; the command always prints it here");

    public Json? TryGet(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error($"expected an object, found {Describe(Element)}");
        return Element.TryGetProperty(name, out var value) ? new Json(value, $"{Path}.{name}", Format) : null;
    }

    public bool Has(string name) => Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out _);

    public string String() =>
        Element.ValueKind == JsonValueKind.String ? Element.GetString()! : throw Error($"expected a string, found {Describe(Element)}");

    public int Int32() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var value) ? value : throw Error($"expected a whole number, found {Describe(Element)}");

    public long Int64() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetInt64(out var value) ? value : throw Error($"expected a whole number, found {Describe(Element)}");

    public string? OptionalString(string name) => TryGet(name)?.String();

    public int? OptionalInt32(string name) => TryGet(name)?.Int32();

    /// <summary>For short quotes of the offending value in messages.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Cut(element.GetString()!)}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Cut(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");

    public override string ToString() => Path;
}

/// <summary>Number parsing that never depends on the machine's culture.</summary>
internal static class Numbers
{
    public static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryLong(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Prefixes as tools print them: "192.0.2.0/24", a bare address for a host, host bits allowed.</summary>
internal static class PrefixText
{
    public static bool TryParse(string text, out IPNetwork network)
    {
        network = default;
        var slash = text.IndexOf('/');
        if (text.Contains('%') || !IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
            return false;
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = max;
        if (slash >= 0 && (!Numbers.TryInt(text[(slash + 1)..], out length) || length > max))
            return false;
        network = Runbooks.Network.Snapshot.Prefixes.Network(address, length);
        return true;
    }
}
