using System.Collections.Immutable;

namespace Runbooks.Storage.Snapshot;

/// <summary>An LVM physical volume (<c>pvs</c>), sizes in bytes.</summary>
/// <param name="VolumeGroup">Null for a PV in no VG (an orphan).</param>
/// <param name="Attr">pv_attr as printed: "a--" allocatable, "u--" not, "-x-" exported, "--m" missing.</param>
/// <param name="DataOffset">pe_start: where the first extent starts on the device (1 MiB normally; ~1 GiB when the
/// PV was made with a large data alignment, which wastes that space).</param>
/// <param name="DeviceSize">dev_size: the whole device.</param>
/// <param name="Size">pv_size: what LVM uses; less than <see cref="DeviceSize"/> − <see cref="DataOffset"/> when the PV
/// was made or left smaller than its device (pvresize grows it).</param>
/// <param name="Segments">What lies on it, in extent order: LV extents and free runs (<c>pvs --segments</c>).</param>
public sealed record PhysicalVolume(
    string Name,
    string? VolumeGroup,
    string Attr,
    long DataOffset,
    long DeviceSize,
    long Size,
    long Free,
    long ExtentCount,
    long AllocatedExtentCount,
    ImmutableArray<PhysicalSegment> Segments)
{
    public bool Allocatable => Attr.Length > 0 && Attr[0] == 'a';

    public bool Exported => Attr.Length > 1 && Attr[1] == 'x';

    public bool Missing => Attr.Length > 2 && Attr[2] == 'm';
}

/// <summary>A run of extents on a PV (<c>pvs --segments</c>): pvseg_start, pvseg_size, and the LV using it.</summary>
/// <param name="LogicalVolume">Null for free extents.</param>
/// <param name="LogicalStart">seg_start_pe: where the LV segment this run belongs to starts in the LV, in extents.</param>
public sealed record PhysicalSegment(long Start, long Length, string? LogicalVolume, long? LogicalStart)
{
    public bool IsFree => LogicalVolume is null;
}

/// <summary>An LVM volume group (<c>vgs</c>), sizes in bytes.</summary>
public sealed record VolumeGroup(
    string Name,
    string Attr,
    long Size,
    long Free,
    long ExtentSize,
    long ExtentCount,
    long FreeExtentCount,
    int PhysicalVolumeCount,
    int LogicalVolumeCount);

/// <summary>An LVM logical volume (<c>lvs --segments</c>), size in bytes.</summary>
/// <param name="Attr">lv_attr as printed, e.g. "-wi-ao----" (active, open); the 5th and 6th characters are "X" when
/// LVM could not ask device-mapper.</param>
public sealed record LogicalVolume(string Name, string VolumeGroup, string Attr, long Size, ImmutableArray<LogicalSegment> Segments)
{
    public bool Active => Attr.Length > 4 && Attr[4] == 'a';

    public bool Open => Attr.Length > 5 && Attr[5] == 'o';
}

/// <summary>A segment of an LV: its extents <see cref="Start"/>..+<see cref="Length"/> in the LV, and where they lie.</summary>
/// <param name="Type">segtype: linear, striped, raid1…</param>
/// <param name="Ranges">seg_pe_ranges: "/dev/loop0:0-448" per device, inclusive.</param>
public sealed record LogicalSegment(string Type, long Start, long Length, ImmutableArray<ExtentRange> Ranges);

/// <summary>Extents <see cref="First"/>..<see cref="Last"/> (inclusive) of a PV.</summary>
public sealed record ExtentRange(string Device, long First, long Last)
{
    public long Length => Last - First + 1;
}
