using System.Collections.Immutable;

namespace Runbooks.Autoextend.Decisions;

/// <summary>
/// The LVM side of the volume and what the grower remembers about it, as the caller last saw it. Bytes.
/// </summary>
/// <param name="VolumeSize">lv_size.</param>
/// <param name="GroupFreeBytes">vg_free: what the VG can still give the LV without a new disk.</param>
/// <param name="ExtentSize">vg_extent_size: every grow is a whole number of these (4 MiB by default).</param>
/// <param name="DiskCount">The VG's PVs.</param>
/// <param name="ImageFilesystemFree">Available bytes on the filesystem holding the image directory.</param>
public sealed record VolumeState(
    long VolumeSize,
    long GroupFreeBytes,
    long ExtentSize,
    int DiskCount,
    long ImageFilesystemFree)
{
    /// <summary>When the last grow finished; null when there has been none. Starts the cooldown, and samples taken
    /// before it do not describe the grown filesystem.</summary>
    public DateTimeOffset? LastGrowAt { get; init; }

    /// <summary>How long the grows so far took (lvextend and the filesystem's grow), oldest first; the longest of the
    /// last few replaces the policy's estimate (<see cref="GrowthDecider.GrowDuration"/>).</summary>
    public ImmutableArray<TimeSpan> ObservedGrowDurations { get; init; } = [];

    /// <summary>Disk image files already in the image directory or attached to loop devices, so a new one gets a
    /// name none has.</summary>
    public ImmutableArray<string> ImagePaths { get; init; } = [];

    /// <summary>The last alert the caller raised, which keeps the same alert from being raised on every sample.</summary>
    public RaisedAlert? LastAlert { get; init; }
}

/// <summary>An alert the caller raised, and when.</summary>
public sealed record RaisedAlert(AlertKind Kind, DateTimeOffset At);
