using Runbooks.Autoextend.Decisions;
using Runbooks.Autoextend.Policy;
using static Runbooks.Tests.Autoextend.Decisions.Usage;

namespace Runbooks.Tests.Autoextend.Decisions;

public class GrowthDeciderTests
{
    private const long Step = 500 * MiB;

    private static Decision Decide(IReadOnlyList<UsageSample> samples, VolumeState? volume = null, AutoextendPolicy? policy = null, DateTimeOffset? now = null) =>
        GrowthDecider.Decide(samples, volume ?? Volume, policy ?? DefaultPolicy, now ?? Now);

    // Thresholds

    [Fact]
    public void Does_nothing_without_a_sample()
    {
        var decision = Assert.IsType<NoAction>(Decide([]));

        Assert.Equal("no sample of vg0/data0's filesystem yet", decision.Reason);
    }

    [Fact]
    public void Does_nothing_below_every_threshold_and_says_where_it_stands()
    {
        var decision = Assert.IsType<NoAction>(Decide(Writing(1 * MiB, 2500 * MiB)));

        Assert.Equal("used 50.0% < 80%, 2500 MiB free, writing 1.0 MiB/s: full in 41 min 40 s", decision.Reason);
    }

    [Fact]
    public void Grows_one_step_exactly_at_the_used_threshold()
    {
        var grow = Assert.IsType<Grow>(Decide(Single(4000 * MiB)));

        Assert.Equal(Step, grow.Bytes);
        Assert.Equal(GrowthTriggers.UsedPercent, grow.Triggers);
        Assert.Equal("used 80.0% ≥ 80%; grow vg0/data0 by one step of 500 MiB", grow.Reason);
    }

    [Fact]
    public void Does_nothing_a_byte_below_the_used_threshold() =>
        Assert.IsType<NoAction>(Decide(Single(4000 * MiB - 1)));

    [Fact]
    public void Says_when_there_is_no_rate_yet() =>
        Assert.EndsWith("no write rate yet (one sample in the last 5 s)", Decide(Single(1000 * MiB)).Reason);

    [Fact]
    public void Grows_enough_steps_to_bring_used_below_the_threshold()
    {
        // 4750 / 0.8 = 5937.5 MiB: 937.5 MiB more, two steps.
        var grow = Assert.IsType<Grow>(Decide(Single(4750 * MiB)));

        Assert.Equal(2 * Step, grow.Bytes);
        Assert.Equal("used 95.0% ≥ 80%; grow vg0/data0 by 2 steps of 500 MiB = 1000 MiB, to bring used below 80%", grow.Reason);
    }

    [Fact]
    public void Counts_only_the_usable_share_of_what_a_grow_adds()
    {
        // ext4-like: 95 % of the LV is usable. 4190 / 0.8 − 4750 = 487.5 MiB of usable space, 513 MiB of LV: two steps.
        var sample = new UsageSample(Now, Size, 4190 * MiB, 560 * MiB, 0, 0);

        Assert.Equal(2 * Step, Assert.IsType<Grow>(Decide([sample])).Bytes);
    }

    [Fact]
    public void Grows_when_free_space_drops_below_the_minimum()
    {
        var policy = DefaultPolicy with { MinimumFreeBytes = 1200 * MiB };

        var grow = Assert.IsType<Grow>(Decide(Single(3801 * MiB), policy: policy));

        Assert.Equal(GrowthTriggers.MinimumFree, grow.Triggers);
        Assert.Equal(Step, grow.Bytes);
        Assert.StartsWith("1199 MiB free < 1200 MiB minimum; ", grow.Reason);
    }

    [Fact]
    public void Does_nothing_with_exactly_the_minimum_free() =>
        Assert.IsType<NoAction>(Decide(Single(3800 * MiB), policy: DefaultPolicy with { MinimumFreeBytes = 1200 * MiB }));

    [Fact]
    public void Grows_exactly_at_the_inode_threshold()
    {
        var grow = Assert.IsType<Grow>(Decide([Sample(Now, 2000 * MiB, inodesTotal: 1_000_000, inodesUsed: 900_000)]));

        Assert.Equal(GrowthTriggers.InodesUsedPercent, grow.Triggers);
        Assert.Equal(Step, grow.Bytes);
        Assert.StartsWith("inodes used 90.0% ≥ 90%; ", grow.Reason);
    }

    [Fact]
    public void Grows_enough_steps_to_bring_inodes_below_the_threshold()
    {
        // 990 000 / 0.9 = 1 100 000 inodes: 100 000 more at 5242.88 bytes each, 500 MiB and a byte: two steps.
        var grow = Assert.IsType<Grow>(Decide([Sample(Now, 2000 * MiB, inodesTotal: 1_000_000, inodesUsed: 990_000)]));

        Assert.Equal(2 * Step, grow.Bytes);
    }

    [Fact]
    public void Does_nothing_just_below_the_inode_threshold() =>
        Assert.IsType<NoAction>(Decide([Sample(Now, 2000 * MiB, inodesTotal: 1_000_000, inodesUsed: 899_999)]));

    [Fact]
    public void Ignores_inodes_on_a_filesystem_that_reports_none() =>
        Assert.IsType<NoAction>(Decide([Sample(Now, 2000 * MiB, inodesTotal: 0, inodesUsed: 0)]));

    [Fact]
    public void Reports_every_trigger_that_holds()
    {
        var grow = Assert.IsType<Grow>(Decide([Sample(Now, 4500 * MiB, inodesTotal: 1000, inodesUsed: 950)], policy: DefaultPolicy with { MinimumFreeBytes = GiB }));

        Assert.Equal(GrowthTriggers.UsedPercent | GrowthTriggers.MinimumFree | GrowthTriggers.InodesUsedPercent, grow.Triggers);
        Assert.StartsWith("used 90.0% ≥ 80%; 500 MiB free < 1 GiB minimum; inodes used 95.0% ≥ 90%; ", grow.Reason);
    }

    // Time to full

    [Fact]
    public void Grows_below_the_thresholds_when_the_writer_would_fill_the_volume_too_soon()
    {
        // 100 MB/s with 1.1 GB free: full in 11 s, under 2 × (1 s + 5 s).
        var grow = Assert.IsType<Grow>(Decide(Writing(100e6, Size - 1_100_000_000)));

        Assert.Equal(GrowthTriggers.TimeToFull, grow.Triggers);
        Assert.StartsWith("writing 95 MiB/s: full in 11 s, a grow takes 5 s (grow below 2 × (1 s sampling + 5 s) = 12 s); ", grow.Reason);
    }

    [Fact]
    public void Waits_while_the_writer_leaves_enough_time()
    {
        var decision = Assert.IsType<NoAction>(Decide(Writing(100e6, Size - 1_300_000_000)));

        Assert.EndsWith("writing 95 MiB/s: full in 13 s", decision.Reason);
    }

    [Fact]
    public void Deletion_never_makes_the_volume_look_like_it_is_filling()
    {
        var policy = DefaultPolicy with { UsedPercentThreshold = 99 };

        var deleting = Assert.IsType<NoAction>(Decide(Writing(-50e6, 4500 * MiB), policy: policy));
        var writing = Decide(Writing(50e6, 4500 * MiB), policy: policy);

        Assert.EndsWith("500 MiB free, freeing 48 MiB/s", deleting.Reason);
        Assert.IsType<Grow>(writing);
    }

    [Fact]
    public void Counts_what_was_written_since_the_latest_sample()
    {
        // 1.3 GB free at the sample, but it is 2 s old: 1.1 GB now.
        var samples = Writing(100e6, Size - 1_300_000_000, end: Now.AddSeconds(-2));

        Assert.IsType<Grow>(Decide(samples));
    }

    [Fact]
    public void Sizes_the_grow_to_outlast_a_cooldown_at_100_MB_per_second_with_4_6_second_grows()
    {
        // 4800 MiB, 1.1 GB free, writing 100 MB/s; grows took 3.9, 4.6 and 4.2 s, so 4.6 s is the estimate.
        // Grow below 2 × (1 + 4.6) = 11.2 s: full in 11 s is under it. When this grow ends 1.1 − 0.46 = 0.64 GB is
        // left; 100 MB/s × (5 s cooldown + 11.2 s) = 1.62 GB should be: 0.98 GB more, two steps of 500 MiB.
        var volume = Volume.WithGrowDurations(3.9, 4.6, 4.2) with { VolumeSize = 4800 * MiB };

        var grow = Assert.IsType<Grow>(Decide(Writing(100e6, 4800 * MiB - 1_100_000_000, size: 4800 * MiB), volume));

        Assert.Equal(2 * Step, grow.Bytes);
        Assert.Equal(GrowthTriggers.TimeToFull, grow.Triggers);
        Assert.Equal("writing 95 MiB/s: full in 11 s, a grow takes 4.6 s (grow below 2 × (1 s sampling + 4.6 s) = 11.2 s); "
            + "grow vg0/data0 by 2 steps of 500 MiB = 1000 MiB, to have 1.51 GiB free when it ends, 16.2 s of writing (the 5 s cooldown + 11.2 s)",
            grow.Reason);
    }

    [Fact]
    public void A_faster_writer_gets_more_steps()
    {
        var volume = Volume.WithGrowDurations(4.6) with { GroupFreeBytes = 10 * GiB };

        var grow = Assert.IsType<Grow>(Decide(Writing(300e6, Size - 2_000_000_000), volume));

        // 300 MB/s × 16.2 s = 4.86 GB wanted at the end; 2.0 − 1.38 = 0.62 GB left then: 4.24 GB, nine steps.
        Assert.Equal(9 * Step, grow.Bytes);
    }

    // Cooldown

    [Fact]
    public void Waits_out_the_cooldown_when_only_a_threshold_asks()
    {
        var volume = Volume with { LastGrowAt = Now.AddSeconds(-2) };

        var wait = Assert.IsType<Wait>(Decide(Single(4100 * MiB), volume));

        Assert.Equal(Now.AddSeconds(3), wait.Until);
        Assert.Equal("used 82.0% ≥ 80%; the last grow finished 2 s ago, within the 5 s cooldown: not urgent, no write rate yet (one sample in the last 5 s)", wait.Reason);
    }

    [Fact]
    public void Grows_again_once_the_cooldown_has_passed() =>
        Assert.IsType<Grow>(Decide(Single(4100 * MiB), Volume with { LastGrowAt = Now.AddSeconds(-5) }));

    [Fact]
    public void Time_to_full_overrides_the_cooldown()
    {
        var volume = Volume with { LastGrowAt = Now.AddSeconds(-1) };

        var grow = Assert.IsType<Grow>(Decide(Writing(100e6, Size - 1_100_000_000), volume));

        Assert.Contains("(overrides the 5 s cooldown)", grow.Reason);
    }

    [Fact]
    public void Waits_for_a_sample_of_the_grown_filesystem()
    {
        var volume = Volume with { LastGrowAt = Now.AddSeconds(-1) };

        var decision = Assert.IsType<NoAction>(Decide([Sample(Now.AddSeconds(-2), 4900 * MiB)], volume));

        Assert.StartsWith("no sample since the last grow finished", decision.Reason);
    }

    [Fact]
    public void A_cooldown_of_zero_never_waits() =>
        Assert.IsType<Grow>(Decide(Single(4100 * MiB), Volume with { LastGrowAt = Now }, DefaultPolicy with { Cooldown = TimeSpan.Zero }));

    // Rounding and the cap

    [Theory]
    [InlineData(500, 4, 500)]
    [InlineData(500, 32, 512)]
    [InlineData(10, 4, 12)]
    [InlineData(1, 4, 4)]
    public void Rounds_up_to_whole_extents(long stepMiB, long extentMiB, long expectedMiB)
    {
        var grow = Assert.IsType<Grow>(Decide(Single(4000 * MiB), Volume with { ExtentSize = extentMiB * MiB }, DefaultPolicy with { Step = stepMiB * MiB }));

        Assert.Equal(expectedMiB * MiB, grow.Bytes);
        Assert.Equal(0, grow.Bytes % (extentMiB * MiB));
    }

    [Fact]
    public void Says_when_it_rounded_to_extents() =>
        Assert.EndsWith("by one step of 500 MiB, 512 MiB in whole 32 MiB extents",
            Decide(Single(4000 * MiB), Volume with { ExtentSize = 32 * MiB }).Reason);

    [Fact]
    public void Never_grows_past_the_maximum_size()
    {
        // 302 MiB below the cap: 75 whole extents.
        var grow = Assert.IsType<Grow>(Decide(Single(4000 * MiB), policy: DefaultPolicy with { MaximumVolumeSize = Size + 302 * MiB }));

        Assert.Equal(300 * MiB, grow.Bytes);
        Assert.EndsWith(", cut to 300 MiB by the maximum size 5302 MiB", grow.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Alerts_at_the_maximum_size(long belowCapMiB)
    {
        var alert = Assert.IsType<Alert>(Decide(Single(4000 * MiB), policy: DefaultPolicy with { MaximumVolumeSize = Size + belowCapMiB * MiB }));

        Assert.Equal(AlertKind.MaximumVolumeSizeReached, alert.Kind);
        Assert.Contains("at its maximum of", alert.Reason);
    }

    [Fact]
    public void A_volume_at_its_cap_that_needs_nothing_is_no_alert() =>
        Assert.IsType<NoAction>(Decide(Single(1000 * MiB), policy: DefaultPolicy with { MaximumVolumeSize = Size }));

    // The volume group runs out

    [Fact]
    public void Adds_a_disk_when_the_group_is_short()
    {
        var volume = Volume with { GroupFreeBytes = 100 * MiB };

        var add = Assert.IsType<AddDiskThenGrow>(Decide(Single(4000 * MiB), volume));

        Assert.Equal("/media/disk4.img", add.ImagePath);
        Assert.Equal(1887436800L, add.DiskSize);
        Assert.Equal(Step, add.Bytes);
        Assert.EndsWith("vg0 has 100 MiB free of the 500 MiB wanted: adding /media/disk4.img (1800 MiB, disk 5 of at most 8)", add.Reason);
    }

    [Fact]
    public void Grows_by_what_one_new_disk_brings_when_more_is_wanted()
    {
        // A new 1800 MiB disk adds 449 extents (1796 MiB) after LVM's first MiB.
        var volume = Volume with { GroupFreeBytes = 100 * MiB };

        var add = Assert.IsType<AddDiskThenGrow>(Decide(Single(4000 * MiB), volume, DefaultPolicy with { Step = 3 * GiB }));

        Assert.Equal(1896 * MiB, add.Bytes);
        Assert.EndsWith("; growing by the 1896 MiB it then has", add.Reason);
    }

    [Fact]
    public void Names_the_new_image_after_the_first_free_number()
    {
        var volume = Volume with { GroupFreeBytes = 0, ImagePaths = Images(0, 1, 3) };

        var add = Assert.IsType<AddDiskThenGrow>(Decide(Single(4000 * MiB), volume, DefaultPolicy with { ImageDirectory = "/srv/img/" }));

        Assert.Equal("/srv/img/disk0.img", add.ImagePath);
        Assert.Equal("/media/disk2.img", Assert.IsType<AddDiskThenGrow>(Decide(Single(4000 * MiB), volume)).ImagePath);
    }

    [Fact]
    public void With_alert_policy_grows_by_what_is_left_then_alerts()
    {
        var policy = DefaultPolicy with { WhenGroupFull = WhenGroupFull.Alert };

        var last = Assert.IsType<Grow>(Decide(Single(4000 * MiB), Volume with { GroupFreeBytes = 102 * MiB }, policy));
        var alert = Assert.IsType<Alert>(Decide(Single(4000 * MiB), Volume with { GroupFreeBytes = 3 * MiB }, policy));

        Assert.Equal(100 * MiB, last.Bytes);
        Assert.EndsWith("vg0 has 100 MiB free of the 500 MiB wanted and the policy says to alert rather than add a disk: growing by all it has, an alert follows", last.Reason);
        Assert.Equal(AlertKind.GroupFull, alert.Kind);
        Assert.Equal("used 80.0% ≥ 80%; vg0 has no free extent and the policy says to alert rather than add a disk", alert.Reason);
    }

    [Fact]
    public void Alerts_when_a_new_image_would_leave_the_image_filesystem_under_its_floor()
    {
        var volume = Volume with { GroupFreeBytes = 0, ImageFilesystemFree = 1800 * MiB + GiB - 1 };

        var alert = Assert.IsType<Alert>(Decide(Single(4000 * MiB), volume));

        Assert.Equal(AlertKind.ImageFilesystemFloorReached, alert.Kind);
        Assert.Contains("a 1800 MiB image in /media would leave 1024.00 MiB of its filesystem's 2.76 GiB free, under the 1 GiB floor", alert.Reason);
    }

    [Fact]
    public void Adds_a_disk_that_leaves_exactly_the_floor() =>
        Assert.IsType<AddDiskThenGrow>(Decide(Single(4000 * MiB), Volume with { GroupFreeBytes = 0, ImageFilesystemFree = 1800 * MiB + GiB }));

    [Fact]
    public void Alerts_when_the_group_has_the_most_disks_allowed()
    {
        var alert = Assert.IsType<Alert>(Decide(Single(4000 * MiB), Volume with { GroupFreeBytes = 0, DiskCount = 8 }));

        Assert.Equal(AlertKind.MaximumDisksReached, alert.Kind);
        Assert.EndsWith("vg0 has no free extent and it has 8 disks, the most the policy allows (8)", alert.Reason);
    }

    [Fact]
    public void At_the_most_disks_grows_by_what_is_left_first() =>
        Assert.Equal(200 * MiB, Assert.IsType<Grow>(Decide(Single(4000 * MiB), Volume with { GroupFreeBytes = 200 * MiB, DiskCount = 8 })).Bytes);

    // Alerts are not repeated on every sample

    [Fact]
    public void Does_not_repeat_the_same_alert_within_the_interval()
    {
        var volume = Volume with { GroupFreeBytes = 0, DiskCount = 8, LastAlert = new RaisedAlert(AlertKind.MaximumDisksReached, Now.AddMinutes(-1)) };

        var quiet = Assert.IsType<NoAction>(Decide(Single(4000 * MiB), volume));

        Assert.EndsWith("(alerted 1 min ago; again after 15 min)", quiet.Reason);
    }

    [Fact]
    public void Repeats_the_alert_after_the_interval() =>
        Assert.IsType<Alert>(Decide(Single(4000 * MiB),
            Volume with { GroupFreeBytes = 0, DiskCount = 8, LastAlert = new RaisedAlert(AlertKind.MaximumDisksReached, Now.AddMinutes(-15)) }));

    [Fact]
    public void Raises_a_different_alert_at_once() =>
        Assert.IsType<Alert>(Decide(Single(4000 * MiB),
            Volume with { GroupFreeBytes = 0, DiskCount = 8, LastAlert = new RaisedAlert(AlertKind.GroupFull, Now.AddMinutes(-1)) }));

    [Fact]
    public void Raises_the_alert_again_after_a_grow_since()
    {
        var volume = Volume with
        {
            GroupFreeBytes = 0,
            DiskCount = 8,
            LastAlert = new RaisedAlert(AlertKind.MaximumDisksReached, Now.AddMinutes(-3)),
            LastGrowAt = Now.AddMinutes(-1),
        };

        Assert.IsType<Alert>(Decide(Single(4000 * MiB), volume));
    }

    // Grow duration and inputs

    [Fact]
    public void Estimates_the_grow_duration_from_the_latest_observed_grows()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), GrowthDecider.GrowDuration(Volume, DefaultPolicy));
        Assert.Equal(TimeSpan.FromSeconds(9), GrowthDecider.GrowDuration(Volume.WithGrowDurations(3, 9, 4, 4, 4, 4), DefaultPolicy));
        Assert.Equal(TimeSpan.FromSeconds(4), GrowthDecider.GrowDuration(Volume.WithGrowDurations(9, 3, 4, 4, 4, 4), DefaultPolicy));
        Assert.Equal(TimeSpan.FromSeconds(3.1), GrowthDecider.GrowDuration(Volume.WithGrowDurations(3.1), DefaultPolicy));
    }

    [Fact]
    public void Refuses_an_invalid_policy() =>
        Assert.Throws<PolicyException>(() => Decide(Single(GiB), policy: DefaultPolicy with { Step = 0 }));

    [Fact]
    public void Refuses_an_impossible_volume() =>
        Assert.Throws<ArgumentException>(() => Decide(Single(GiB), Volume with { ExtentSize = 0 }));

    [Fact]
    public void Is_a_pure_function_of_its_inputs()
    {
        var samples = Writing(100e6, Size - 1_100_000_000);

        Assert.Equal(Decide(samples), Decide(samples));
    }
}
