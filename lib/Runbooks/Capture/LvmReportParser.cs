using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses LVM's JSON reports (<c>lvm fullreport</c>, <c>pvs</c>, <c>pvs --segments</c>, <c>vgs</c>, <c>lvs --segments</c>,
/// each with <c>--reportformat json --units b --nosuffix</c>): <c>{"report": [{"pv": [{…}, …]}]}</c>.
/// </summary>
/// <remarks>Every value is a JSON string, numbers included ("1887436800"), and an empty string stands for "none"
/// (vg_name of an orphan PV, lv_name of free extents). Sizes are exact bytes only with <c>--units b --nosuffix</c>;
/// without them they are rounded ("1.75g"), which the parser refuses rather than guess.</remarks>
public static class LvmReportParser
{
    public const string FullReportFormat = "lvm fullreport --reportformat json";
    public const string PvsFormat = "pvs --reportformat json";
    public const string PvSegmentsFormat = "pvs --segments --reportformat json";
    public const string VgsFormat = "vgs --reportformat json";
    public const string LvsFormat = "lvs --segments --reportformat json";

    /// <summary>
    /// Everything from one <c>lvm fullreport</c>, with <c>--configreport vg -o vg_name,vg_attr,vg_size,vg_free,vg_extent_size,
    /// vg_extent_count,vg_free_count,pv_count,lv_count</c>, <c>pv -o pv_name,vg_name,pv_attr,pv_size,pv_free,dev_size,
    /// pe_start,pv_pe_count,pv_pe_alloc_count</c>, <c>lv -o lv_name,vg_name,lv_attr,lv_size</c>, <c>pvseg -o pv_name,
    /// pvseg_start,pvseg_size,lv_name,seg_start_pe</c> and <c>seg -o lv_name,segtype,seg_start_pe,seg_size_pe,seg_pe_ranges</c>.
    /// </summary>
    /// <remarks>One process instead of four (each LVM command costs ~60 ms of CPU to start and scan). The report holds one
    /// object per VG with its vg, pv, lv, pvseg and seg rows, and a last one with only pv and pvseg rows for PVs in no VG.
    /// seg rows carry no VG name: their VG is the object's.</remarks>
    public static LvmFullReport ParseFullReport(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return new LvmFullReport([], [], []);
        using var document = Json.Parse(json, FullReportFormat);
        var pvs = new List<PhysicalVolume>();
        var vgs = new List<VolumeGroup>();
        var lvs = new List<LogicalVolume>();
        foreach (var report in Json.Root(document, FullReportFormat).Required("report").Items())
        {
            var groups = report.TryGet("vg") is { } vg ? vg.Items().Select(ToVolumeGroup).ToList() : [];
            vgs.AddRange(groups);
            var segments = (report.TryGet("pvseg")?.Items() ?? []).Where(row => Bytes(row, "pvseg_size") > 0)
                .Select(row => (Pv: row.Required("pv_name").String(), Segment: ToPhysicalSegment(row)))
                .ToLookup(s => s.Pv, s => s.Segment, StringComparer.Ordinal);
            pvs.AddRange((report.TryGet("pv")?.Items() ?? []).Select(ToPhysicalVolume)
                .Select(pv => pv with { Segments = [.. segments[pv.Name].OrderBy(s => s.Start)] }));
            var lvSegments = (report.TryGet("seg")?.Items() ?? [])
                .Select(row => (Lv: row.Required("lv_name").String(), Segment: ToLogicalSegment(row)))
                .ToLookup(s => s.Lv, s => s.Segment, StringComparer.Ordinal);
            foreach (var row in report.TryGet("lv")?.Items() ?? [])
            {
                var name = row.Required("lv_name").String();
                lvs.Add(new LogicalVolume(name, row.Required("vg_name").String(), row.Required("lv_attr").String(), Bytes(row, "lv_size"),
                    [.. lvSegments[name].OrderBy(s => s.Start)]));
            }
        }
        return new LvmFullReport([.. pvs], [.. vgs], [.. lvs]);
    }

    /// <summary>PVs from <c>pvs -o pv_name,vg_name,pv_attr,pe_start,dev_size,pv_size,pv_free,pv_pe_count,pv_pe_alloc_count</c>,
    /// with the segments of <paramref name="segments"/> (by PV name; none when absent).</summary>
    public static ImmutableArray<PhysicalVolume> ParsePhysicalVolumes(string json, IReadOnlyDictionary<string, ImmutableArray<PhysicalSegment>>? segments = null) =>
        [.. Rows(json, "pv", PvsFormat).Select(ToPhysicalVolume)
            .Select(pv => segments is not null && segments.TryGetValue(pv.Name, out var mine) ? pv with { Segments = mine } : pv)];

    /// <summary>Segments per PV from <c>pvs --segments -o pv_name,pvseg_start,pvseg_size,lv_name,seg_start_pe</c>.</summary>
    /// <remarks>A PV in no VG has no extents; LVM still prints a row for it, of size 0, which is left out.</remarks>
    public static ImmutableDictionary<string, ImmutableArray<PhysicalSegment>> ParsePhysicalSegments(string json) =>
        Rows(json, "pvseg", PvSegmentsFormat)
            .Where(row => Bytes(row, "pvseg_size") > 0)
            .Select(row => (Pv: row.Required("pv_name").String(), Segment: ToPhysicalSegment(row)))
            .GroupBy(s => s.Pv, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => g.Select(s => s.Segment).OrderBy(s => s.Start).ToImmutableArray(), StringComparer.Ordinal);

    /// <summary>VGs from <c>vgs -o vg_name,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count</c>.</summary>
    public static ImmutableArray<VolumeGroup> ParseVolumeGroups(string json) =>
        [.. Rows(json, "vg", VgsFormat).Select(ToVolumeGroup)];

    /// <summary>LVs with their segments, from <c>lvs --segments -o lv_name,vg_name,lv_attr,lv_size,segtype,seg_start_pe,seg_size_pe,seg_pe_ranges</c>
    /// (one row per segment).</summary>
    public static ImmutableArray<LogicalVolume> ParseLogicalVolumes(string json) =>
        [.. Rows(json, "seg", LvsFormat)
            .Select(row => (
                Name: row.Required("lv_name").String(),
                Vg: row.Required("vg_name").String(),
                Attr: row.Required("lv_attr").String(),
                Size: Bytes(row, "lv_size"),
                Segment: ToLogicalSegment(row)))
            .GroupBy(r => (r.Vg, r.Name))
            .Select(g => new LogicalVolume(g.Key.Name, g.Key.Vg, g.First().Attr, g.First().Size, [.. g.Select(r => r.Segment).OrderBy(s => s.Start)]))];

    private static PhysicalVolume ToPhysicalVolume(Json row) => new(
        row.Required("pv_name").String(),
        NoneIfEmpty(row.Required("vg_name").String()),
        row.Required("pv_attr").String(),
        Bytes(row, "pe_start"),
        Bytes(row, "dev_size"),
        Bytes(row, "pv_size"),
        Bytes(row, "pv_free"),
        Bytes(row, "pv_pe_count"),
        Bytes(row, "pv_pe_alloc_count"),
        []);

    private static PhysicalSegment ToPhysicalSegment(Json row)
    {
        var lv = NoneIfEmpty(row.Required("lv_name").String());
        return new PhysicalSegment(Bytes(row, "pvseg_start"), Bytes(row, "pvseg_size"), lv, lv is null ? null : Bytes(row, "seg_start_pe"));
    }

    private static VolumeGroup ToVolumeGroup(Json row) => new(
        row.Required("vg_name").String(),
        row.Required("vg_attr").String(),
        Bytes(row, "vg_size"),
        Bytes(row, "vg_free"),
        Bytes(row, "vg_extent_size"),
        Bytes(row, "vg_extent_count"),
        Bytes(row, "vg_free_count"),
        (int)Bytes(row, "pv_count"),
        (int)Bytes(row, "lv_count"));

    private static LogicalSegment ToLogicalSegment(Json row) =>
        new(row.Required("segtype").String(), Bytes(row, "seg_start_pe"), Bytes(row, "seg_size_pe"), Ranges(row.Required("seg_pe_ranges")));

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

/// <summary>What one <c>lvm fullreport</c> says: every PV (with its segments), VG and LV (with its segments).</summary>
public sealed record LvmFullReport(ImmutableArray<PhysicalVolume> PhysicalVolumes, ImmutableArray<VolumeGroup> VolumeGroups, ImmutableArray<LogicalVolume> LogicalVolumes);
