using System.Net;
using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class HostsFileParserTests
{
    [Fact]
    public void Entries_KeepTheirNamesAliasesAndLines_WithoutComments()
    {
        var entries = HostsFileParser.Parse(NetworkFixtures.Read("hosts-server.txt"));

        Assert.Equal([1, 2, 3, 6, 7], entries.Select(e => e.Line));
        var client = entries.Single(e => e.Line == 6);
        Assert.Equal(IPAddress.Parse("203.0.113.2"), client.Address);
        Assert.Equal(["rbcap-client", "client.lab.internal"], client.Names.ToArray());
        Assert.Equal(["localhost", "ip6-localhost", "ip6-loopback"], entries[1].Names.ToArray());
        Assert.Equal(IPAddress.Parse("fdaa:0:1::2"), entries[^1].Address);
    }

    [Theory]
    [InlineData("127.0.0.1 localhost\n10.0.0.300 db\n", "line 2", "\"10.0.0.300\" is not an IP address")]
    [InlineData("192.0.2.1   # only a comment after it\n", "line 1", "has no name after it")]
    public void MalformedLines_NameTheLine(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => HostsFileParser.Parse(text));

        Assert.Equal(("/etc/hosts", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
