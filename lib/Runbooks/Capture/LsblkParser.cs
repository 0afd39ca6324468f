using System.Collections.Immutable;
using System.Text.Json;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>lsblk -J -b -o NAME,KNAME,TYPE,SIZE,FSTYPE,MOUNTPOINTS,RO,PKNAME</c>: a tree of
/// <c>{"blockdevices": [{…, "children": [{…}]}]}</c>, flattened so that each device appears once (lsblk repeats a device
/// under every parent, e.g. an LV under each of its PVs) with all its parents.
/// </summary>
/// <remarks>"mountpoints" is a list that holds one null for a device mounted nowhere; "fstype" is null unless
/// udev's database knows it.</remarks>
public static class LsblkParser
{
    private const string Format = "lsblk -J -b";

    public static ImmutableArray<BlockDevice> Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, Format);
        var devices = new List<BlockDevice>();
        foreach (var device in Json.Root(document, Format).Required("blockdevices").Items())
            Add(device, null, devices);
        return [.. devices];
    }

    private static void Add(Json device, string? parent, List<BlockDevice> devices)
    {
        var kname = device.Required("kname").String();
        var parents = new List<string>();
        if (parent is not null)
            parents.Add(parent);
        if (Nullable(device.Required("pkname")) is { } pkname && !parents.Contains(pkname))
            parents.Add(pkname);
        var mountPoints = device.TryGet("mountpoints") is { } list
            ? list.Items().Where(m => m.Element.ValueKind != JsonValueKind.Null).Select(m => m.String()).ToImmutableArray()
            : [];
        var parsed = new BlockDevice(device.Required("name").String(), kname, device.Required("type").String(),
            LosetupParser.Long(device.Required("size")), Nullable(device.Required("fstype")), mountPoints,
            LosetupParser.Bool(device.Required("ro")), [.. parents]);
        var seen = devices.FindIndex(d => d.KernelName == kname);
        if (seen < 0)
            devices.Add(parsed);
        else
            devices[seen] = devices[seen] with { Parents = [.. devices[seen].Parents.Union(parsed.Parents)] };
        if (device.TryGet("children") is { } children)
        {
            foreach (var child in children.Items())
                Add(child, kname, devices);
        }
    }

    private static string? Nullable(Json value) => value.Element.ValueKind == JsonValueKind.Null ? null : value.String();
}
