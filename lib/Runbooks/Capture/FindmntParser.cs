using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>findmnt -J -l -b -o ID,PARENT,TARGET,SOURCE,FSTYPE,OPTIONS,VFS-OPTIONS,FS-OPTIONS</c>: a flat
/// <c>{"filesystems": [{…}]}</c> in mount order (with <c>-l</c>; without it findmnt nests children, which are taken too).
/// </summary>
public static class FindmntParser
{
    private const string Format = "findmnt -J -l";

    public static ImmutableArray<Mount> Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, Format);
        var mounts = new List<Mount>();
        foreach (var item in Json.Root(document, Format).Required("filesystems").Items())
            Add(item, mounts);
        return [.. mounts];
    }

    private static void Add(Json item, List<Mount> mounts)
    {
        mounts.Add(new Mount(
            item.Required("id").Int32(),
            item.Required("parent").Int32(),
            item.Required("target").String(),
            item.Required("source").String(),
            item.Required("fstype").String(),
            Options(item.Required("options")),
            item.TryGet("vfs-options") is { } vfs ? Options(vfs) : [],
            item.TryGet("fs-options") is { } fs ? Options(fs) : []));
        if (item.TryGet("children") is { } children)
        {
            foreach (var child in children.Items())
                Add(child, mounts);
        }
    }

    private static ImmutableArray<string> Options(Json value) =>
        value.Element.ValueKind == System.Text.Json.JsonValueKind.Null ? [] : [.. value.String().Split(',', StringSplitOptions.RemoveEmptyEntries)];
}
