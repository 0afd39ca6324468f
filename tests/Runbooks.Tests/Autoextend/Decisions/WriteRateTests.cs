using Runbooks.Autoextend.Decisions;
using static Runbooks.Tests.Autoextend.Decisions.Usage;

namespace Runbooks.Tests.Autoextend.Decisions;

public class WriteRateTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    [Fact]
    public void Has_no_rate_from_one_sample_or_none()
    {
        Assert.Null(WriteRate.Estimate([], Window));
        Assert.Null(WriteRate.Estimate(Single(GiB), Window));
    }

    [Fact]
    public void Has_no_rate_from_samples_taken_at_the_same_moment() =>
        Assert.Null(WriteRate.Estimate([Sample(Now, GiB), Sample(Now, 2 * GiB)], Window));

    [Fact]
    public void Has_no_rate_when_the_window_holds_one_sample() =>
        Assert.Null(WriteRate.Estimate([Sample(Now.AddSeconds(-10), GiB), Sample(Now, 2 * GiB)], Window));

    [Fact]
    public void Two_samples_give_the_slope_between_them() =>
        Assert.Equal(50e6, WriteRate.Estimate([Sample(Now.AddSeconds(-2), GiB), Sample(Now, GiB + 100_000_000)], Window)!.Value, 1e-3);

    [Fact]
    public void Follows_a_steady_writer_in_any_order()
    {
        var samples = Writing(100e6, 3 * GiB).Reverse().ToArray();

        Assert.Equal(100e6, WriteRate.Estimate(samples, Window)!.Value, 1e-3);
    }

    [Fact]
    public void Ignores_one_outlying_sample()
    {
        var samples = Writing(100e6, 3 * GiB);
        samples[3] = samples[3] with { FilesystemUsed = samples[3].FilesystemUsed + 3_000_000_000 };

        Assert.Equal(100e6, WriteRate.Estimate(samples, Window)!.Value, 1e-3);
    }

    [Fact]
    public void Ignores_one_low_sample()
    {
        var samples = Writing(100e6, 3 * GiB);
        samples[2] = samples[2] with { FilesystemUsed = 0 };

        Assert.Equal(100e6, WriteRate.Estimate(samples, Window)!.Value, 1e-3);
    }

    [Fact]
    public void A_deletion_in_the_window_does_not_hide_the_writer()
    {
        var samples = Writing(100e6, 3 * GiB);
        for (var i = 3; i < samples.Length; i++)
            samples[i] = samples[i] with { FilesystemUsed = samples[i].FilesystemUsed - 2_000_000_000 };

        Assert.Equal(100e6, WriteRate.Estimate(samples, Window)!.Value, 1e-3);
    }

    [Fact]
    public void Steady_deletion_is_a_negative_rate() =>
        Assert.Equal(-50e6, WriteRate.Estimate(Writing(-50e6, 3 * GiB), Window)!.Value, 1e-3);

    [Fact]
    public void Sees_a_writer_that_writes_in_bursts_between_samples()
    {
        // 1 GB once in ten seconds: most consecutive samples see nothing, yet it fills the volume at 100 MB/s.
        var samples = Enumerable.Range(0, 11)
            .Select(i => Sample(Now.AddSeconds(i - 10), i < 5 ? GiB : GiB + 1_000_000_000))
            .ToArray();

        Assert.True(WriteRate.Estimate(samples, TimeSpan.FromSeconds(10)) > 50e6);
    }

    [Fact]
    public void Looks_only_at_the_window_before_the_latest_sample()
    {
        var idle = Enumerable.Range(0, 20).Select(i => Sample(Now.AddSeconds(-30 + i), GiB));
        var writing = Writing(100e6, 2 * GiB);

        Assert.Equal(100e6, WriteRate.Estimate([.. idle, .. writing], Window)!.Value, 1e-3);
    }
}
