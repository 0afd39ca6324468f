using System.Globalization;
using Runbooks.Autoextend.Policy;

namespace Runbooks.Autoextend.Decisions;

/// <summary>
/// Decides, after each sample, whether to grow the volume, by how much, and what to do when it cannot: a pure
/// function of the samples, the volume's state, the policy and the time, so every rule is testable without a
/// machine. docs/autoextend-policy.md walks through the rules with figures.
/// </summary>
public static class GrowthDecider
{
    /// <summary>Where LVM puts the first extent on a new PV (pe_start): the space before it holds no data.</summary>
    public const long PhysicalVolumeDataOffset = 1L << 20;

    /// <summary>How many of the latest observed grows the duration estimate looks at.</summary>
    public const int GrowDurationsConsidered = 5;

    /// <summary>
    /// How long the next grow is expected to take: the longest of the last <see cref="GrowDurationsConsidered"/>
    /// observed grows (a grow that was slow once may be again; older ones may predate a change of load), or the
    /// policy's estimate before any was observed.
    /// </summary>
    public static TimeSpan GrowDuration(VolumeState volume, AutoextendPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(policy);
        List<TimeSpan> observed = volume.ObservedGrowDurations.IsDefault ? [] : volume.ObservedGrowDurations.Where(d => d > TimeSpan.Zero).ToList();
        return observed.Count == 0 ? policy.GrowDurationEstimate : observed.TakeLast(GrowDurationsConsidered).Max();
    }

    /// <summary>
    /// What to do now. The caller samples every <see cref="AutoextendPolicy.SampleInterval"/>, keeps at least the
    /// last <see cref="AutoextendPolicy.RateWindow"/> of samples, runs one grow at a time and calls this between them,
    /// sets <see cref="VolumeState.LastGrowAt"/> when a grow finishes, and records each alert it raises in
    /// <see cref="VolumeState.LastAlert"/>.
    /// </summary>
    /// <param name="recent">Samples of the filesystem, in any order; the latest is the current state.</param>
    /// <exception cref="PolicyException">The policy is invalid.</exception>
    public static Decision Decide(IReadOnlyList<UsageSample> recent, VolumeState volume, AutoextendPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        if (volume.VolumeSize <= 0 || volume.ExtentSize <= 0 || volume.GroupFreeBytes < 0 || volume.DiskCount < 0)
            throw new ArgumentException(
                $"A volume needs a positive size and extent size, and no negative free space or disk count: {volume}.", nameof(volume));

        if (recent.Count == 0)
            return new NoAction($"no sample of {policy.Volume}'s filesystem yet");
        var latest = recent.MaxBy(s => s.Time)!;
        if (volume.LastGrowAt is { } grown && latest.Time < grown)
            return new NoAction($"no sample since the last grow finished ({Figures.Duration(grown - latest.Time)} after the latest); "
                + "the filesystem's new size is not known yet");

        return new Situation(recent, latest, volume, policy, now).Decide();
    }

    /// <summary>The figures one decision works with, worked out once.</summary>
    private sealed class Situation
    {
        private readonly UsageSample latest;
        private readonly VolumeState volume;
        private readonly AutoextendPolicy policy;
        private readonly DateTimeOffset now;
        private readonly double? rate;

        /// <summary>The write rate, or 0 while deleting or without a rate: only writing fills a volume.</summary>
        private readonly double writing;

        /// <summary>Seconds: the next grow's duration, the sample interval, the cooldown.</summary>
        private readonly double growSeconds, sampleSeconds, cooldownSeconds;

        /// <summary>Seconds until full at the current rate, from now; infinite when not writing.</summary>
        private readonly double timeToFull;

        /// <summary>Grow at once when the volume fills sooner than this, in seconds.</summary>
        private readonly double urgentSeconds;

        /// <summary>Available bytes now, the latest sample's less what was written since it was taken.</summary>
        private readonly double availableNow;

        /// <summary>Usable filesystem bytes, and inodes, each byte added to the LV brings.</summary>
        private readonly double usablePerByte, inodesPerByte;

        public Situation(IReadOnlyList<UsageSample> recent, UsageSample latest, VolumeState volume, AutoextendPolicy policy, DateTimeOffset now)
        {
            this.latest = latest;
            this.volume = volume;
            this.policy = policy;
            this.now = now;
            rate = WriteRate.Estimate(recent, policy.RateWindow);
            writing = Math.Max(rate ?? 0, 0);
            growSeconds = GrowDuration(volume, policy).TotalSeconds;
            sampleSeconds = policy.SampleInterval.TotalSeconds;
            cooldownSeconds = policy.Cooldown.TotalSeconds;
            urgentSeconds = (sampleSeconds + growSeconds) * policy.TimeToFullSafetyFactor;

            var age = Math.Max(0, (now - latest.Time).TotalSeconds);
            availableNow = Math.Max(0, latest.FilesystemAvailable - writing * age);
            timeToFull = writing > 0 ? availableNow / writing : double.PositiveInfinity;

            // The filesystem fills the grown LV, keeping its share for metadata and root; any slack between LV and
            // filesystem is not counted, which only errs towards growing more.
            var reference = (double)Math.Max(volume.VolumeSize, latest.FilesystemSize);
            usablePerByte = latest.Usable > 0 ? Math.Min(1, latest.Usable / reference) : 1;
            inodesPerByte = latest.InodesTotal / reference;
        }

        public Decision Decide()
        {
            var (triggers, why) = Triggers();
            if (triggers == GrowthTriggers.None)
                return new NoAction(Status());

            if (volume.LastGrowAt is { } grown && now - grown < policy.Cooldown)
            {
                var ago = now - grown;
                if (!triggers.HasFlag(GrowthTriggers.TimeToFull))
                    return new Wait(grown + policy.Cooldown,
                        $"{why}; the last grow finished {Figures.Duration(ago)} ago, within the {Figures.Duration(policy.Cooldown)} cooldown: "
                        + $"not urgent, {FullIn()}");
                why += $" (overrides the {Figures.Duration(policy.Cooldown)} cooldown)";
            }
            return Sized(triggers, why);
        }

        private (GrowthTriggers, string) Triggers()
        {
            var triggers = GrowthTriggers.None;
            var reasons = new List<string>();
            if (latest.UsedPercent >= policy.UsedPercentThreshold)
            {
                triggers |= GrowthTriggers.UsedPercent;
                reasons.Add($"used {Figures.Percent(latest.UsedPercent)} ≥ {Figures.Threshold(policy.UsedPercentThreshold)}");
            }
            if (policy.MinimumFreeBytes is { } minimum && latest.FilesystemAvailable < minimum)
            {
                triggers |= GrowthTriggers.MinimumFree;
                reasons.Add($"{Figures.Size(latest.FilesystemAvailable)} free < {Figures.Size(minimum)} minimum");
            }
            if (latest.InodesTotal > 0 && latest.InodesUsedPercent >= policy.InodesUsedPercentThreshold)
            {
                triggers |= GrowthTriggers.InodesUsedPercent;
                reasons.Add($"inodes used {Figures.Percent(latest.InodesUsedPercent)} ≥ {Figures.Threshold(policy.InodesUsedPercentThreshold)}");
            }
            if (timeToFull < urgentSeconds)
            {
                triggers |= GrowthTriggers.TimeToFull;
                reasons.Add($"writing {Figures.Rate(writing)}: full in {Figures.Duration(timeToFull)}, a grow takes {Figures.Duration(growSeconds)} "
                    + $"(grow below {Figures.Number(policy.TimeToFullSafetyFactor)} × ({Figures.Duration(sampleSeconds)} sampling + {Figures.Duration(growSeconds)}) = {Figures.Duration(urgentSeconds)})");
            }
            return (triggers, string.Join("; ", reasons));
        }

        private string Status() =>
            $"used {Figures.Percent(latest.UsedPercent)} < {Figures.Threshold(policy.UsedPercentThreshold)}, {Figures.Size(latest.FilesystemAvailable)} free, {FullIn()}";

        private string FullIn() => rate switch
        {
            null => $"no write rate yet (one sample in the last {Figures.Duration(policy.RateWindow)})",
            < 0 => $"freeing {Figures.Rate(-rate.Value)}",
            0 => "not writing",
            _ => $"writing {Figures.Rate(writing)}: full in {Figures.Duration(timeToFull)}",
        };

        /// <summary>
        /// The grow the triggers need, in whole steps, then whole extents; then cut to the policy's cap and to what the
        /// VG has, adding a disk when the policy allows and the VG is short.
        /// </summary>
        private Decision Sized(GrowthTriggers triggers, string why)
        {
            var (wanted, sizing) = Wanted();
            var extent = volume.ExtentSize;

            var bytes = wanted;
            if (policy.MaximumVolumeSize is { } maximum)
            {
                var headroom = WholeExtents(maximum - volume.VolumeSize);
                if (headroom < extent)
                    return AlertOnce(AlertKind.MaximumVolumeSizeReached,
                        $"{why}; but {policy.Volume} is {Figures.Size(volume.VolumeSize)}, at its maximum of {Figures.Size(maximum)}: it can grow no further");
                if (bytes > headroom)
                {
                    bytes = headroom;
                    sizing += $", cut to {Figures.Size(bytes)} by the maximum size {Figures.Size(maximum)}";
                }
            }

            var groupFree = WholeExtents(volume.GroupFreeBytes);
            if (bytes <= groupFree)
                return new Grow(bytes, triggers, $"{why}; {sizing}");

            var shortBy = $"{policy.VolumeGroup} has {Figures.Size(groupFree)} free of the {Figures.Size(bytes)} wanted";
            var (blockedKind, blocked) = WhyNoDisk();
            if (blockedKind is null)
            {
                var withDisk = Math.Min(bytes, groupFree + WholeExtents(policy.DiskSize - PhysicalVolumeDataOffset));
                var image = Runbooks.Storage.Fixes.DiskCommands.FreeImagePaths(policy.ImageDirectory, volume.ImagePaths.IsDefault ? [] : volume.ImagePaths).First();
                var cut = withDisk < bytes ? $"; growing by the {Figures.Size(withDisk)} it then has" : "";
                return new AddDiskThenGrow(image, policy.DiskSize, withDisk, triggers,
                    $"{why}; {sizing}; {shortBy}: adding {image} ({Figures.Size(policy.DiskSize)}, disk {volume.DiskCount + 1} of at most {policy.MaximumDisks}){cut}");
            }
            if (groupFree >= extent)
                return new Grow(groupFree, triggers,
                    $"{why}; {sizing}; {shortBy} and {blocked}: growing by all it has, an alert follows");
            return AlertOnce(blockedKind.Value, $"{why}; {policy.VolumeGroup} has no free extent and {blocked}");
        }

        /// <summary>
        /// Bytes to grow by: whole steps, at least one, enough that when this grow ends none of the thresholds holds
        /// and the free space lasts a cooldown before time-to-full would ask again; rounded up to whole extents.
        /// </summary>
        private (long Bytes, string Sizing) Wanted()
        {
            // What the writer adds while this grow runs.
            var duringGrow = writing * growSeconds;
            var usedAtEnd = latest.FilesystemUsed + writing * (Math.Max(0, (now - latest.Time).TotalSeconds) + growSeconds);
            var freeAtEnd = availableNow - duringGrow;

            var needs = new List<(double Bytes, string Why)>();
            var keepFree = writing * (cooldownSeconds + urgentSeconds);
            if (keepFree > 0)
                needs.Add(((keepFree - freeAtEnd) / usablePerByte,
                    $"to have {Figures.Size(keepFree)} free when it ends, {Figures.Duration(cooldownSeconds + urgentSeconds)} of writing "
                    + $"(the {Figures.Duration(cooldownSeconds)} cooldown + {Figures.Duration(urgentSeconds)})"));
            // Strictly below each threshold afterwards, hence the extra byte.
            needs.Add(((usedAtEnd * 100 / policy.UsedPercentThreshold - latest.Usable) / usablePerByte + 1,
                $"to bring used below {Figures.Threshold(policy.UsedPercentThreshold)}"));
            if (policy.MinimumFreeBytes is { } minimum)
                needs.Add(((minimum - freeAtEnd) / usablePerByte, $"to keep {Figures.Size(minimum)} free"));
            if (inodesPerByte > 0)
                needs.Add(((latest.InodesUsed * 100 / policy.InodesUsedPercentThreshold - latest.InodesTotal) / inodesPerByte + 1,
                    $"to bring inodes used below {Figures.Threshold(policy.InodesUsedPercentThreshold)}"));

            var (needed, because) = needs.MaxBy(n => n.Bytes);
            // Capped far beyond any VG, so that nonsense input cannot overflow; the VG and the cap cut it anyway.
            var steps = (long)Math.Clamp(Math.Ceiling(needed / policy.Step), 1, (1L << 50) / policy.Step);
            var bytes = WholeExtentsUp(steps * policy.Step);
            var rounded = bytes != steps * policy.Step ? $", {Figures.Size(bytes)} in whole {Figures.Size(volume.ExtentSize)} extents" : "";
            var sizing = steps == 1
                ? $"grow {policy.Volume} by one step of {Figures.Size(policy.Step)}{rounded}"
                : $"grow {policy.Volume} by {steps} steps of {Figures.Size(policy.Step)} = {Figures.Size(steps * policy.Step)}{rounded}, {because}";
            return (bytes, sizing);
        }

        /// <summary>Why no disk can be added now, with the alert that stands for it; (null, "") when one can.</summary>
        private (AlertKind? Kind, string Why) WhyNoDisk()
        {
            if (policy.WhenGroupFull == WhenGroupFull.Alert)
                return (AlertKind.GroupFull, "the policy says to alert rather than add a disk");
            if (volume.DiskCount >= policy.MaximumDisks)
                return (AlertKind.MaximumDisksReached, $"it has {volume.DiskCount} disks, the most the policy allows ({policy.MaximumDisks})");
            var leftAfter = volume.ImageFilesystemFree - policy.DiskSize;
            if (leftAfter < policy.ImageFilesystemFloor)
                return (AlertKind.ImageFilesystemFloorReached,
                    $"a {Figures.Size(policy.DiskSize)} image in {policy.ImageDirectory} would leave {Figures.Size(Math.Max(0, leftAfter))} of its filesystem's "
                    + $"{Figures.Size(volume.ImageFilesystemFree)} free, under the {Figures.Size(policy.ImageFilesystemFloor)} floor");
            if (WholeExtents(policy.DiskSize - PhysicalVolumeDataOffset) < volume.ExtentSize)
                return (AlertKind.GroupFull,
                    $"a {Figures.Size(policy.DiskSize)} disk holds no whole {Figures.Size(volume.ExtentSize)} extent after LVM's first MiB");
            return (null, "");
        }

        /// <summary>
        /// The alert, unless the caller raised the same one within the repeat interval and no grow has happened since:
        /// then nothing, so a volume stuck at its limit is reported once per interval, not on every sample.
        /// </summary>
        private Decision AlertOnce(AlertKind kind, string reason)
        {
            if (volume.LastAlert is { } last && last.Kind == kind
                && (volume.LastGrowAt is not { } grown || last.At >= grown)
                && now - last.At < policy.AlertRepeatInterval)
                return new NoAction($"{reason} (alerted {Figures.Duration(now - last.At)} ago; again after {Figures.Duration(policy.AlertRepeatInterval)})");
            return new Alert(kind, reason);
        }

        private long WholeExtents(long bytes) => bytes <= 0 ? 0 : bytes / volume.ExtentSize * volume.ExtentSize;

        private long WholeExtentsUp(long bytes) => (bytes + volume.ExtentSize - 1) / volume.ExtentSize * volume.ExtentSize;
    }
}
