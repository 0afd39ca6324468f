using System.Collections.Immutable;
using Runbooks.Autoextend.Decisions;
using Runbooks.Autoextend.Policy;
using Xunit.Abstractions;
using static Runbooks.Tests.Autoextend.Decisions.Usage;

namespace Runbooks.Tests.Autoextend.Decisions;

/// <summary>
/// The decider in the loop the grower runs, against a simulated volume: a steady writer, grows that take a fixed time
/// while the writer goes on, disks that add their extents. What the storage test's fill phase does to the twin.
/// </summary>
public class GrowerSimulationTests(ITestOutputHelper output)
{
    private const double Tick = 0.1;

    private sealed record Outcome(long LeastAvailable, int Grows, int DisksAdded, long FinalVolumeSize, IReadOnlyList<string> Log);

    /// <summary>
    /// The twin after its repair: data0 4 GiB with 1 GiB used, vg0 four 1800 MiB disks (449 extents each), ext4 whose
    /// usable space is 93 % of the LV (metadata and the 5 % kept for root). Runs until <paramref name="target"/> bytes
    /// are used, as test-storage.sh fills to 6 GB.
    /// </summary>
    private Outcome Run(double bytesPerSecond, double growSeconds, AutoextendPolicy policy, long target = 6_000_000_000, double diskSeconds = 1.5)
    {
        const double Usable = 0.93;
        var extent = 4 * MiB;
        var volumeSize = 4 * GiB;
        var groupFree = 4 * 449 * extent - volumeSize;
        var disks = 4;
        var images = Images(0, 1, 2, 3);
        double used = GiB;
        var start = Now;
        var samples = new List<UsageSample>();
        DateTimeOffset? lastGrowAt = null;
        var durations = ImmutableArray<TimeSpan>.Empty;
        RaisedAlert? lastAlert = null;
        (double EndsAt, long Bytes, bool Disk)? running = null;
        var leastAvailable = long.MaxValue;
        var grows = 0;
        var disksAdded = 0;
        var log = new List<string>();

        for (var tick = 0; used < target && tick < 3000; tick++)
        {
            var t = tick * Tick;
            var now = start.AddSeconds(t);
            used += bytesPerSecond * Tick;

            if (running is { } grow && t >= grow.EndsAt - 1e-9)
            {
                volumeSize += grow.Bytes;
                groupFree -= grow.Bytes;
                lastGrowAt = now;
                durations = durations.Add(TimeSpan.FromSeconds(growSeconds));
                running = null;
                log.Add($"{t,5:0.0} s  grown to {PolicyValues.FormatSize(volumeSize)}; vg0 has {PolicyValues.FormatSize(groupFree)} free");
            }
            var available = (long)(volumeSize * Usable - used);
            leastAvailable = Math.Min(leastAvailable, available);

            // Samples every second, on the second.
            if (tick % (int)Math.Round(policy.SampleInterval.TotalSeconds / Tick) != 0)
                continue;
            var size = (long)(volumeSize * 0.98);
            samples.Add(new UsageSample(now, size, (long)used, Math.Max(0, available), 0, 0));
            samples.RemoveAll(s => s.Time < now - policy.RateWindow);
            if (running is not null)
                continue;

            var volume = new VolumeState(volumeSize, groupFree, extent, disks, 8 * GiB)
            {
                LastGrowAt = lastGrowAt,
                ObservedGrowDurations = durations,
                ImagePaths = images,
                LastAlert = lastAlert,
            };
            var decision = GrowthDecider.Decide(samples, volume, policy, now);
            switch (decision)
            {
                case Grow g:
                    running = (t + growSeconds, g.Bytes, false);
                    grows++;
                    break;
                case AddDiskThenGrow a:
                    groupFree += 449 * extent;
                    disks++;
                    images = images.Add(a.ImagePath);
                    running = (t + diskSeconds + growSeconds, a.Bytes, true);
                    grows++;
                    disksAdded++;
                    break;
                case Alert alert:
                    lastAlert = new RaisedAlert(alert.Kind, now);
                    break;
            }
            if (decision is not NoAction)
                log.Add($"{t,5:0.0} s  {decision.GetType().Name}: {decision.Reason}");
        }
        foreach (var line in log)
            output.WriteLine(line);
        output.WriteLine($"{used / 1e9:0.00} GB used; least available {PolicyValues.FormatSize(leastAvailable)}");
        return new Outcome(leastAvailable, grows, disksAdded, volumeSize, log);
    }

    [Fact]
    public void Keeps_a_100_MB_per_second_writer_from_filling_the_twin_with_4_6_second_grows()
    {
        var outcome = Run(100e6, 4.6, DefaultPolicy);

        Assert.True(outcome.LeastAvailable > 0, $"the volume filled: {outcome.LeastAvailable} bytes available at worst");
        // The first grow comes from time-to-full, at 72 % used, 3 s of writing before the 80 % threshold.
        Assert.StartsWith(" 18.0 s  Grow: writing 95 MiB/s: full in 11.1 s", outcome.Log[0]);
        Assert.Equal(1, outcome.DisksAdded);
        Assert.True(outcome.FinalVolumeSize * 0.93 > 6_000_000_000);
    }

    [Fact]
    public void Keeps_up_with_slower_grows_by_growing_more_at_a_time()
    {
        var outcome = Run(100e6, 8, DefaultPolicy with { MaximumDisks = 12 });

        Assert.True(outcome.LeastAvailable > 0, $"the volume filled: {outcome.LeastAvailable} bytes available at worst");
    }

    [Fact]
    public void Stops_at_the_cap_with_one_alert()
    {
        var outcome = Run(100e6, 4.6, DefaultPolicy with { MaximumVolumeSize = 5 * GiB }, target: 4_900_000_000);

        Assert.Equal(1, outcome.Log.Count(l => l.Contains("Alert:", StringComparison.Ordinal)));
    }
}
