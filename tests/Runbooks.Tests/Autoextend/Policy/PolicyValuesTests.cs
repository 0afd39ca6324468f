using Runbooks.Autoextend.Policy;

namespace Runbooks.Tests.Autoextend.Policy;

public class PolicyValuesTests
{
    [Theory]
    [InlineData("524288000", 524288000L)]
    [InlineData("500M", 524288000L)]
    [InlineData("500m", 524288000L)]
    [InlineData("500MiB", 524288000L)]
    [InlineData("500 M", 524288000L)]
    [InlineData(" 1.5G ", 1610612736L)]
    [InlineData("2GiB", 2147483648L)]
    [InlineData("2gib", 2147483648L)]
    [InlineData("1800M", 1887436800L)]
    [InlineData("4k", 4096L)]
    [InlineData("1T", 1099511627776L)]
    [InlineData("1P", 1125899906842624L)]
    [InlineData("1024B", 1024L)]
    [InlineData("0", 0L)]
    [InlineData("0.5K", 512L)]
    public void Reads_sizes_as_lvm_does_with_bare_numbers_as_bytes(string text, long expected)
    {
        Assert.True(PolicyValues.TryParseSize(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Rounds_a_fraction_of_a_byte_up() =>
        Assert.Equal(2L, PolicyValues.TryParseSize("1.5", out var bytes) ? bytes : -1);

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("abc")]
    [InlineData("-5M")]
    [InlineData("5X")]
    [InlineData("1e3")]
    [InlineData("5M5")]
    [InlineData("1,5G")]
    [InlineData("99999999999P")]
    [InlineData("500MB")]
    public void Refuses_what_is_not_a_size(string text) => Assert.False(PolicyValues.TryParseSize(text, out _));

    [Fact]
    public void Explains_why_megabytes_are_refused()
    {
        var problem = PolicyValues.SizeProblem("500MB", out _);

        Assert.Equal("has the unit MB, which some tools read as a power of 1000 and LVM as a power of 1024; "
            + "write 500M or 500MiB for powers of 1024, or the bytes", problem);
    }

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("5", 5000)]
    [InlineData("0.1", 100)]
    [InlineData(" 5 s ", 5000)]
    [InlineData("5S", 5000)]
    public void Reads_durations_with_bare_numbers_as_seconds(string text, double milliseconds)
    {
        Assert.True(PolicyValues.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("5x")]
    [InlineData("-1s")]
    [InlineData("5 min")]
    [InlineData("1m30s")]
    [InlineData("999999999999999h")]
    public void Refuses_what_is_not_a_duration(string text) => Assert.False(PolicyValues.TryParseDuration(text, out _));

    [Theory]
    [InlineData("80", 80)]
    [InlineData("80%", 80)]
    [InlineData("85.5 %", 85.5)]
    public void Reads_percentages_with_or_without_the_sign(string text, double expected)
    {
        Assert.True(PolicyValues.TryParsePercent(text, out var percent));
        Assert.Equal(expected, percent);
    }

    [Theory]
    [InlineData(524288000L, "500 MiB")]
    [InlineData(1887436800L, "1800 MiB")]
    [InlineData(1610612736L, "1536 MiB")]
    [InlineData(1620000000L, "1.51 GiB")]
    [InlineData(4294967296L, "4 GiB")]
    [InlineData(1073741823L, "1024.00 MiB")]
    [InlineData(1073741824L, "1 GiB")]
    [InlineData(1000L, "1000 bytes")]
    [InlineData(0L, "0 bytes")]
    public void Formats_sizes_in_binary_units(long bytes, string expected) => Assert.Equal(expected, PolicyValues.FormatSize(bytes));

    [Theory]
    [InlineData(500, "500ms")]
    [InlineData(5000, "5s")]
    [InlineData(1500, "1.5s")]
    [InlineData(120_000, "2m")]
    [InlineData(86_400_000, "24h")]
    [InlineData(0, "0s")]
    public void Formats_durations_as_the_file_writes_them(double milliseconds, string expected) =>
        Assert.Equal(expected, PolicyValues.FormatDuration(TimeSpan.FromMilliseconds(milliseconds)));
}
