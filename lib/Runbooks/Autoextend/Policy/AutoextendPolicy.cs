namespace Runbooks.Autoextend.Policy;

/// <summary>What the grower does when the volume group has no room left for the grow it wants.</summary>
public enum WhenGroupFull
{
    /// <summary>Create a disk image in <see cref="AutoextendPolicy.ImageDirectory"/>, attach it and add it to the VG,
    /// within <see cref="AutoextendPolicy.MaximumDisks"/> and <see cref="AutoextendPolicy.ImageFilesystemFloor"/>.</summary>
    AddDisk,

    /// <summary>Grow by what the VG still has, then raise an alert and leave the VG alone.</summary>
    Alert,
}

/// <summary>
/// How <c>runbook autoextend</c> keeps a logical volume from filling: when to grow it, by how much, and what to do
/// when the volume group runs out. Immutable, with the defaults the storage twin needs; build one in code with an
/// initializer (<c>new AutoextendPolicy { Volume = "vg0/data0", Step = 1L &lt;&lt; 30 }</c>) and call
/// <see cref="Validate"/>, or load one with <see cref="PolicyLoader"/>, which validates as it reads.
/// Sizes are bytes; docs/autoextend-policy.md lists every option with its JSON key and range.
/// </summary>
public sealed record AutoextendPolicy
{
    /// <summary>The default step: 500 MiB, 125 extents of LVM's default 4 MiB.</summary>
    public const long DefaultStep = 500L << 20;

    /// <summary>The disk image size of the storage challenge: 1800 MiB.</summary>
    public const long DefaultDiskSize = 1800L << 20;

    /// <summary>The logical volume to keep from filling, as <c>VG/LV</c> (<c>vg0/data0</c>); names follow LVM's rules
    /// (<see cref="LvmNames"/>). Required.</summary>
    public required string Volume { get; init; }

    /// <summary>The volume group part of <see cref="Volume"/>.</summary>
    public string VolumeGroup => Volume.Split('/')[0];

    /// <summary>The logical volume part of <see cref="Volume"/>.</summary>
    public string LogicalVolume => Volume.Split('/') is [_, var lv, ..] ? lv : "";

    /// <summary>Grow when used space reaches this percentage (1–99) of what non-root writers can use:
    /// used / (used + available), as <c>df</c> computes Use% before rounding it up.</summary>
    public double UsedPercentThreshold { get; init; } = 80;

    /// <summary>Also grow when available bytes drop below this; null for no such floor. It keeps a large volume,
    /// where 20 % free is still plenty of gigabytes, from running as close to full as a small one would.</summary>
    public long? MinimumFreeBytes { get; init; }

    /// <summary>Grow when this percentage (1–99) of the filesystem's inodes are in use. Growing ext4 adds inodes in
    /// proportion to the space added; xfs allocates them as needed, up to a share of its size that also grows.</summary>
    public double InodesUsedPercentThreshold { get; init; } = 90;

    /// <summary>
    /// The unit of growth, in bytes (default 500 MiB). A grow is a whole number of steps, then rounded up to whole
    /// extents of the VG (4 MiB unless the VG was made with another <c>-s</c>), which is what <c>lvextend -L</c> does
    /// too; ext4 and xfs then fill the LV exactly, so the filesystem grows by the rounded amount.
    /// </summary>
    public long Step { get; init; } = DefaultStep;

    /// <summary>Never grow the LV beyond this many bytes; null for no cap. A grow that would cross it is cut to
    /// it, and a volume at it that still needs room raises <see cref="Decisions.AlertKind.MaximumVolumeSizeReached"/>.</summary>
    public long? MaximumVolumeSize { get; init; }

    /// <summary>
    /// The least time between the end of one grow and the start of the next when only a threshold asks for it
    /// (default 5 s): long enough for the filesystem's new size to show in a sample, so one crossing is not
    /// answered twice. A grow that time-to-full demands is never held back by it: running out of space is worse
    /// than growing twice.
    /// </summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the filesystem is sampled (0.1–60 s, default 1 s). Detecting a crossing within a second
    /// needs 1 s or less; longer intervals are allowed for slow volumes and count against time-to-full.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How far back samples count for the write rate (1 s–10 min, default 5 s; at least two sample
    /// intervals). Shorter follows a changing writer sooner; longer smooths a bursty one.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Grow now, below every threshold, when the volume would fill in less than this many times (the sample
    /// interval + the grow's duration) at the current write rate (1–10, default 2). The same factor sizes the grow.
    /// </summary>
    public double TimeToFullSafetyFactor { get; init; } = 2;

    /// <summary>What to do when the VG cannot hold the grow (default <see cref="WhenGroupFull.AddDisk"/>).</summary>
    public WhenGroupFull WhenGroupFull { get; init; } = WhenGroupFull.AddDisk;

    /// <summary>Where new disk images are created, on the machine holding the volume (absolute; default /media).
    /// They are named <c>diskN.img</c> with the lowest N not taken, as the storage repair names them.</summary>
    public string ImageDirectory { get; init; } = "/media";

    /// <summary>The size of each new disk image, in bytes (default 1800 MiB: 1887436800). LVM keeps its first MiB
    /// for metadata, so it adds 449 extents of 4 MiB to the VG.</summary>
    public long DiskSize { get; init; } = DefaultDiskSize;

    /// <summary>Never let the VG have more disks (PVs) than this (1–64, default 8).</summary>
    public int MaximumDisks { get; init; } = 8;

    /// <summary>Bytes that must stay free on the filesystem holding <see cref="ImageDirectory"/> after a new image
    /// is allocated (default 1 GiB): filling the root filesystem to save the data one would be no rescue.</summary>
    public long ImageFilesystemFloor { get; init; } = 1L << 30;

    /// <summary>
    /// How long a grow (lvextend and the filesystem's grow) takes before any has been timed (0.1 s–10 min, default
    /// 5 s: 3–5 s on the emulated twin). Once grows have been observed the longest of the last few is used instead
    /// (<see cref="Decisions.GrowthDecider.GrowDuration"/>).
    /// </summary>
    public TimeSpan GrowDurationEstimate { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an alert stays quiet before the same one is raised again while nothing has changed
    /// (10 s–24 h, default 15 min). A grow since the alert always allows it again.</summary>
    public TimeSpan AlertRepeatInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Where the grower records its grows (on the machine running it); null for nowhere.</summary>
    public string? HistoryPath { get; init; }

    /// <summary>Where the grower writes its metrics (on the machine running it); null for nowhere.</summary>
    public string? MetricsPath { get; init; }

    /// <summary>Checks every value's range and the rules between them.</summary>
    /// <exception cref="PolicyException">Every problem, each naming its key.</exception>
    public void Validate()
    {
        var problems = new List<PolicyProblem>();
        var invalid = new HashSet<string>();
        foreach (var option in PolicyOptions.All)
        {
            if (option.Check(this) is { } problem)
            {
                problems.Add(new PolicyProblem(PolicyProblem.InCode, null, null, option.Key, problem));
                invalid.Add(option.Key);
            }
        }
        // A rule between options means nothing while one of them is out of its own range.
        foreach (var (key, involves, message) in PolicyOptions.CrossFieldProblems(this))
        {
            if (!involves.Any(invalid.Contains))
                problems.Add(new PolicyProblem(PolicyProblem.InCode, null, null, key, message));
        }
        if (problems.Count > 0)
            throw new PolicyException(problems);
    }
}
