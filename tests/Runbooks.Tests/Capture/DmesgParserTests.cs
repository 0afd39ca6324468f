using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class DmesgParserTests
{
    [Fact]
    public void Messages_HaveTheirTimeSinceBoot()
    {
        var messages = DmesgParser.Parse(StorageFixtures.Read("dmesg.txt"));

        var mounted = messages.Last(m => m.Text.StartsWith("EXT4-fs (loop4): mounted filesystem", StringComparison.Ordinal));
        Assert.Contains(" ro with ordered data mode", mounted.Text);
        Assert.Equal(TimeSpan.FromSeconds(13042.725893), mounted.SinceBoot);
        Assert.All(messages, m => Assert.NotNull(m.SinceBoot));
    }

    [Fact]
    public void ALineWithoutTimestamp_KeepsItsText() =>
        Assert.Equal((null, "continued"), (DmesgParser.Parse("continued\n").Single().SinceBoot, DmesgParser.Parse("continued\n").Single().Text));

    [Fact]
    public void MalformedInput_IsRefused()
    {
        var error = Assert.Throws<CaptureFormatException>(() => DmesgParser.Parse("[ 1.0] ok\n[Nov 22 04:00] x\n"));
        var uptime = Assert.Throws<CaptureFormatException>(() => DmesgParser.ParseUptime("up 3 days\n"));

        Assert.Equal(("dmesg", "line 2"), (error.Format, error.Location));
        Assert.Equal(("/proc/uptime", "line 1"), (uptime.Format, uptime.Location));
        Assert.Equal(TimeSpan.FromSeconds(13045.85), DmesgParser.ParseUptime("13045.85 11320.33\n"));
    }
}
