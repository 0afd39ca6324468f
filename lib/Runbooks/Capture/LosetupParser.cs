using System.Collections.Immutable;
using System.Text.Json;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>losetup -J -O NAME,BACK-FILE,SIZELIMIT,OFFSET,AUTOCLEAR,RO</c>: <c>{"loopdevices": [{…}]}</c>. With no
/// loop device attached losetup prints nothing at all, which is an empty list.
/// </summary>
/// <remarks>A backing file removed while attached is printed with " (deleted)" appended to its path, the way the
/// kernel names it. Numbers and booleans are JSON numbers and booleans (util-linux 2.38); older versions printed
/// them as strings ("0", "1"), which are taken too.</remarks>
public static class LosetupParser
{
    private const string Format = "losetup -J";
    private const string Deleted = " (deleted)";

    public static ImmutableArray<LoopDevice> Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, Format);
        return [.. Json.Root(document, Format).Required("loopdevices").Items().Select(loop =>
        {
            var file = loop.Required("back-file").Element.ValueKind == JsonValueKind.Null ? "" : loop.Required("back-file").String();
            var deleted = file.EndsWith(Deleted, StringComparison.Ordinal);
            return new LoopDevice(loop.Required("name").String(), deleted ? file[..^Deleted.Length] : file, deleted,
                Long(loop.Required("sizelimit")), Long(loop.Required("offset")), Bool(loop.Required("autoclear")), Bool(loop.Required("ro")));
        })];
    }

    internal static long Long(Json value) => value.Element.ValueKind == JsonValueKind.String
        ? Numbers.TryLong(value.String(), out var number) ? number : throw value.Error($"expected a whole number, found {Json.Describe(value.Element)}")
        : value.Int64();

    internal static bool Bool(Json value) => value.Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when value.String() is "1" or "0" => value.String() == "1",
        _ => throw value.Error($"expected true or false, found {Json.Describe(value.Element)}"),
    };
}
