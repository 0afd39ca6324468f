using Runbooks.Network.Checks;

namespace Runbooks.Tests.Network.Checks;

public class PacketFilterTests
{
    [Theory]
    [InlineData(null, 51820, true)]
    [InlineData("51820", 51820, true)]
    [InlineData("51820", 51821, false)]
    [InlineData("51000:52000", 51820, true)]
    [InlineData("8000-9000", 8080, true)]
    [InlineData("80,443,8080", 8080, true)]
    [InlineData("{ 80, 443 }", 8080, false)]
    [InlineData("! 8080", 8080, false)]
    [InlineData("!8080", 22, true)]
    public void Ports_match_as_iptables_and_nft_write_them(string? ports, int port, bool matches) =>
        Assert.Equal(matches, PacketFilter.PortMatches(ports, port));

    [Theory]
    [InlineData(null, "eth0", true)]
    [InlineData("eth0", "eth0", true)]
    [InlineData("eth+", "eth0", true)]
    [InlineData("wg0", "eth0", false)]
    [InlineData("!wg0", "eth0", true)]
    [InlineData("! eth0", "eth0", false)]
    public void Interfaces_match_with_wildcards_and_negation(string? pattern, string name, bool matches) =>
        Assert.Equal(matches, PacketFilter.InterfaceMatches(pattern, name));
}
