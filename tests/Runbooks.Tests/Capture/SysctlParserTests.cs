using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class SysctlParserTests
{
    [Fact]
    public void Values_AreKeyedByDottedName_PerInterface()
    {
        var values = SysctlParser.ParseValues(NetworkFixtures.Read("sysctl-values-server.txt"));

        Assert.Equal("1", values["net.ipv4.ip_forward"]);
        Assert.Equal("1", values["net.ipv6.icmp.echo_ignore_all"]);
        Assert.Equal("0", values["net.ipv4.icmp_echo_ignore_all"]);
        Assert.Equal("2", values["net.ipv4.conf.eth0.rp_filter"]);
        Assert.Equal("1420", values["net.ipv6.conf.wg0.mtu"]);
        // The whole value, not the first digit that a byte-wise `read` would get from /proc/sys.
        Assert.Equal("65536", values["net.ipv6.conf.lo.mtu"]);
        // /run/sysctl.d/70-rbcap-run.conf sets it to 1, but nothing applied that file: persisted is not running.
        Assert.Equal("0", values["net.ipv4.conf.all.src_valid_mark"]);
        Assert.All(["all", "default", "lo", "eth0", "wg0"], i => Assert.True(values.ContainsKey($"net.ipv6.conf.{i}.accept_ra")));
    }

    [Fact]
    public void Values_InSysctlsOwnFormat_AndInterfaceNamesWithDots()
    {
        var values = SysctlParser.ParseValues("net.ipv4.ip_forward = 1\n==> /proc/sys/net/ipv4/conf/eth0.100/rp_filter <==\n2\n");

        Assert.Equal("1", values["net.ipv4.ip_forward"]);
        Assert.Equal("2", values["net.ipv4.conf.eth0/100.rp_filter"]);
    }

    [Fact]
    public void File_GivesEachSettingWithItsLine_InDottedForm()
    {
        var settings = SysctlParser.ParseFile("/etc/sysctl.d/60-rbcap.conf", NetworkFixtures.Read("sysctl-60-rbcap.conf"));

        Assert.Equal([(2, "net.ipv4.ip_forward", "1"), (3, "net.ipv6.conf.all.forwarding", "1"), (5, "net.ipv4.conf.eth0.rp_filter", "2"), (6, "net.ipv6.icmp.echo_ignore_all", "1")],
            settings.Select(s => (s.Line, s.Name, s.Value)));
        Assert.Equal([false, false, true, false], settings.Select(s => s.IgnoreErrors));
        Assert.All(settings, s => Assert.Equal("/etc/sysctl.d/60-rbcap.conf", s.Path));
    }

    [Theory]
    [InlineData("net.ipv4.ip_forward\n", "line 1", "has no '='")]
    [InlineData("# ok\n = 1\n", "line 2", "has no name before '='")]
    public void MalformedFile_NamesTheFileAndLine(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => SysctlParser.ParseFile("/etc/sysctl.conf", text));

        Assert.Equal(("sysctl file /etc/sysctl.conf", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("==> /etc/passwd <==\nroot\n", "line 1", "not a head header for a file under /proc/sys")]
    [InlineData("ip_forward: 1\n", "line 1", "neither a \"==> /proc/sys/<path> <==\" header nor \"name = value\"")]
    public void MalformedValues_NameTheLine(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => SysctlParser.ParseValues(text));

        Assert.Equal(("sysctl values", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
