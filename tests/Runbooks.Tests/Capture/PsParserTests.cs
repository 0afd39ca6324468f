using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class PsParserTests
{
    [Fact]
    public void Processes_KeepTheirWholeCommandLine()
    {
        var processes = PsParser.Parse(StorageFixtures.Read("ps.txt"));

        var remounter = Assert.Single(processes, p => p.CommandLine.Contains("remount,ro", StringComparison.Ordinal));
        Assert.Equal((6, 1, "S"), (remounter.Pid, remounter.ParentPid, remounter.State));
        Assert.Equal("sh -c while sleep 3600; do mount -o remount,ro \"$1\"; done rbsto-remounter /tmp/rbsto/mnt/data", remounter.CommandLine);
        Assert.Contains(processes, p => p.Pid == 5 && p.CommandLine == "sleep 3600");
        // The capture runs each tool by its path in PATH.
        Assert.Contains(processes, p => p.CommandLine.StartsWith("/usr/sbin/lvm fullreport --reportformat json", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("  1 0 5 S\n", "4 columns; expected 5")]
    [InlineData("  one 0 5 S init\n", "pid \"one\" is not a whole number")]
    public void MalformedLines_NameTheLine(string text, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => PsParser.Parse(text));

        Assert.Equal((PsParser.Format, "line 1"), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
