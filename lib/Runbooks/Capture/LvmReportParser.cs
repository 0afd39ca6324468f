using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses LVM's JSON reports (<c>pvs</c>, <c>pvs --segments</c>, <c>vgs</c>, <c>lvs --segments</c>, each with
/// <c>--reportformat json --units b --nosuffix</c>): <c>{"report": [{"pv": [{…}, …]}]}</c>.
/// </summary>
/// <remarks>Every value is a JSON string, numbers included ("1887436800"), and an empty string stands for "none"
/// (vg_name of an orphan PV, lv_name of free extents). Sizes are exact bytes only with <c>--units b --nosuffix</c>;
/// without them they are rounded ("1.75g"), which the parser refuses rather than guess.</remarks>
public static class LvmReportParser
{
    public const string PvsFormat = "pvs --reportformat json";
    public const string PvSegmentsFormat = "pvs --segments --reportformat json";
    public const string VgsFormat = "vgs --reportformat json";
    public const string LvsFormat = "lvs --segments --reportformat json";

    /// <summary>PVs from <c>pvs -o pv_name,vg_name,pv_attr,pe_start,dev_size,pv_size,pv_free,pv_pe_count,pv_pe_alloc_count</c>,
    /// with the segments of <paramref name="segments"/> (by PV name; none when absent).</summary>
    public static ImmutableArray<PhysicalVolume> ParsePhysicalVolumes(string json, IReadOnlyDictionary<string, ImmutableArray<PhysicalSegment>>? segments = null) =>
        [.. Rows(json, "pv", PvsFormat).Select(row => new PhysicalVolume(
            row.Required("pv_name").String(),
            NoneIfEmpty(row.Required("vg_name").String()),
            row.Required("pv_attr").String(),
            Bytes(row, "pe_start"),
            Bytes(row, "dev_size"),
            Bytes(row, "pv_size"),
            Bytes(row, "pv_free"),
            Bytes(row, "pv_pe_count"),
            Bytes(row, "pv_pe_alloc_count"),
            segments is not null && segments.TryGetValue(row.Required("pv_name").String(), out var mine) ? mine : []))];

    /// <summary>Segments per PV from <c>pvs --segments -o pv_name,pvseg_start,pvseg_size,lv_name,seg_start_pe</c>.</summary>
    /// <remarks>A PV in no VG has no extents; LVM still prints a row for it, of size 0, which is left out.</remarks>
    public static ImmutableDictionary<string, ImmutableArray<PhysicalSegment>> ParsePhysicalSegments(string json) =>
        Rows(json, "pvseg", PvSegmentsFormat)
            .Where(row => Bytes(row, "pvseg_size") > 0)
            .Select(row =>
            {
                var lv = NoneIfEmpty(row.Required("lv_name").String());
                return (Pv: row.Required("pv_name").String(), Segment: new PhysicalSegment(
                    Bytes(row, "pvseg_start"), Bytes(row, "pvseg_size"), lv,
                    lv is null ? null : Bytes(row, "seg_start_pe")));
            })
            .GroupBy(s => s.Pv, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => g.Select(s => s.Segment).OrderBy(s => s.Start).ToImmutableArray(), StringComparer.Ordinal);

    /// <summary>VGs from <c>vgs -o vg_name,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count</c>.</summary>
    public static ImmutableArray<VolumeGroup> ParseVolumeGroups(string json) =>
        [.. Rows(json, "vg", VgsFormat).Select(row => new VolumeGroup(
            row.Required("vg_name").String(),
            row.Required("vg_attr").String(),
            Bytes(row, "vg_size"),
            Bytes(row, "vg_free"),
            Bytes(row, "vg_extent_size"),
            Bytes(row, "vg_extent_count"),
            Bytes(row, "vg_free_count"),
            (int)Bytes(row, "pv_count"),
            (int)Bytes(row, "lv_count")))];

    /// <summary>LVs with their segments, from <c>lvs --segments -o lv_name,vg_name,lv_attr,lv_size,segtype,seg_start_pe,seg_size_pe,seg_pe_ranges</c>
    /// (one row per segment).</summary>
    public static ImmutableArray<LogicalVolume> ParseLogicalVolumes(string json) =>
        [.. Rows(json, "seg", LvsFormat)
            .Select(row => (
                Name: row.Required("lv_name").String(),
                Vg: row.Required("vg_name").String(),
                Attr: row.Required("lv_attr").String(),
                Size: Bytes(row, "lv_size"),
                Segment: new LogicalSegment(row.Required("segtype").String(), Bytes(row, "seg_start_pe"), Bytes(row, "seg_size_pe"), Ranges(row.Required("seg_pe_ranges")))))
            .GroupBy(r => (r.Vg, r.Name))
            .Select(g => new LogicalVolume(g.Key.Name, g.Key.Vg, g.First().Attr, g.First().Size, [.. g.Select(r => r.Segment).OrderBy(s => s.Start)]))];

    // report[*].KIND[*]: LVM prints one report object per command; several when it reports more than one VG apart.
    private static List<Json> Rows(string json, string kind, string format)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, format);
        var rows = new List<Json>();
        foreach (var report in Json.Root(document, format).Required("report").Items())
        {
            if (report.TryGet(kind) is { } items)
                rows.AddRange(items.Items().Select(i => new Json(i.Element.Clone(), i.Path, format)));
            else if (!report.Has("log"))
                throw report.Error($"no \"{kind}\" rows; expected the report of {format.Split(' ')[0]}");
        }
        return rows;
    }

    private static long Bytes(Json row, string name)
    {
        var value = row.Required(name);
        var text = value.String();
        return Numbers.TryLong(text, out var number)
            ? number
            : throw value.Error($"\"{text}\" is not a whole number; expected exact bytes or counts (run with --units b --nosuffix)");
    }

    // "/dev/loop0:0-448 /dev/loop1:0-13": a device and an inclusive extent range per area, "" for a segment with none.
    private static ImmutableArray<ExtentRange> Ranges(Json value)
    {
        var ranges = ImmutableArray.CreateBuilder<ExtentRange>();
        foreach (var word in value.String().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = word.LastIndexOf(':');
            var dash = colon < 0 ? -1 : word.IndexOf('-', colon);
            if (colon <= 0 || dash < 0 || !Numbers.TryLong(word[(colon + 1)..dash], out var first) || !Numbers.TryLong(word[(dash + 1)..], out var last) || last < first)
                throw value.Error($"the range \"{word}\" is not DEVICE:FIRST-LAST, e.g. \"/dev/loop0:0-448\"");
            ranges.Add(new ExtentRange(word[..colon], first, last));
        }
        return ranges.ToImmutable();
    }

    private static string? NoneIfEmpty(string text) => text.Length == 0 ? null : text;
}
