using Runbooks.Autoextend.Policy;

namespace Runbooks.Tests.Autoextend.Policy;

public class AutoextendPolicyTests
{
    [Fact]
    public void Has_the_defaults_the_storage_twin_needs()
    {
        var policy = new AutoextendPolicy { Volume = "vg0/data0" };

        Assert.Equal(80, policy.UsedPercentThreshold);
        Assert.Null(policy.MinimumFreeBytes);
        Assert.Equal(90, policy.InodesUsedPercentThreshold);
        Assert.Equal(524288000L, policy.Step);
        Assert.Null(policy.MaximumVolumeSize);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.Cooldown);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.SampleInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.RateWindow);
        Assert.Equal(2, policy.TimeToFullSafetyFactor);
        Assert.Equal(WhenGroupFull.AddDisk, policy.WhenGroupFull);
        Assert.Equal("/media", policy.ImageDirectory);
        Assert.Equal(1887436800L, policy.DiskSize);
        Assert.Equal(8, policy.MaximumDisks);
        Assert.Equal(1L << 30, policy.ImageFilesystemFloor);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.GrowDurationEstimate);
        Assert.Equal(TimeSpan.FromMinutes(15), policy.AlertRepeatInterval);
        Assert.Null(policy.HistoryPath);
        Assert.Null(policy.MetricsPath);
        policy.Validate();
    }

    [Fact]
    public void Splits_the_volume_into_group_and_logical_volume()
    {
        var policy = new AutoextendPolicy { Volume = "vg0/data0" };

        Assert.Equal("vg0", policy.VolumeGroup);
        Assert.Equal("data0", policy.LogicalVolume);
    }

    [Fact]
    public void Validate_reports_every_bad_value_by_its_key()
    {
        var policy = new AutoextendPolicy
        {
            Volume = "vg0 data0",
            UsedPercentThreshold = 100,
            Step = 0,
            SampleInterval = TimeSpan.FromMilliseconds(50),
            ImageDirectory = "media",
        };

        var problems = Assert.Throws<PolicyException>(policy.Validate).Problems;

        Assert.Equal(["volume", "usedPercentThreshold", "step", "sampleInterval", "imageDirectory"], problems.Select(p => p.Key));
        Assert.All(problems, p => Assert.Equal(PolicyProblem.InCode, p.Source));
        Assert.Equal("policy: usedPercentThreshold: 100 is out of range; expected a percentage from 1 to 99", problems[1].ToString());
        Assert.StartsWith("0 bytes is out of range; expected a size of at least 1 MiB", problems[2].Message);
        Assert.StartsWith("50ms is out of range; expected a duration from 100ms to 1m", problems[3].Message);
    }

    [Fact]
    public void Validate_checks_the_rules_between_options()
    {
        var policy = new AutoextendPolicy
        {
            Volume = "vg0/data0",
            MaximumVolumeSize = 100L << 20,
            MinimumFreeBytes = 200L << 20,
            SampleInterval = TimeSpan.FromSeconds(3),
        };

        var problems = Assert.Throws<PolicyException>(policy.Validate).Problems;

        Assert.Equal(["maximumVolumeSize", "minimumFreeBytes", "rateWindow"], problems.Select(p => p.Key));
        Assert.Equal("100 MiB is less than step (500 MiB); the cap must leave room for at least one step", problems[0].Message);
        Assert.Equal("5s is shorter than two sample intervals (sampleInterval 3s); the write rate needs three samples in the window: make it 6s or more",
            problems[2].Message);
    }

    [Fact]
    public void Validate_skips_a_rule_while_one_of_its_options_is_out_of_range()
    {
        var policy = new AutoextendPolicy { Volume = "vg0/data0", Step = 0, MaximumVolumeSize = 100L << 20 };

        var problem = Assert.Single(Assert.Throws<PolicyException>(policy.Validate).Problems);

        Assert.Equal("step", problem.Key);
    }

    [Fact]
    public void Is_immutable_and_compared_by_value()
    {
        var policy = new AutoextendPolicy { Volume = "vg0/data0" };
        var other = policy with { Step = 1L << 30 };

        Assert.Equal(524288000L, policy.Step);
        Assert.NotEqual(policy, other);
        Assert.Equal(policy, new AutoextendPolicy { Volume = "vg0/data0" });
    }
}
