using System.Text.Json;
using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class NftJsonParserTests
{
    [Fact]
    public void NativeTable_GivesHookedChainsWithPolicies_AndRulesWithTheirMatches()
    {
        var ruleset = NftJsonParser.Parse(NetworkFixtures.Read("nft-ruleset-server.json"));

        var forward = ruleset.Chains.Single(c => c is { Table: "rbcap", Name: "forward" });
        Assert.Equal(("inet", "filter", "forward", 0, "drop"), (forward.Family, forward.Type, forward.Hook, forward.Priority, forward.Policy));
        var drop9090 = ruleset.Rules.Single(r => r.Table == "rbcap" && r.DestinationPort == "9090");
        Assert.Equal(("input", "input", "eth0", "tcp", "drop"), (drop9090.Chain, drop9090.Hook, drop9090.InputInterface, drop9090.Protocol, drop9090.Verdict));
        Assert.Equal("iifname \"eth0\" tcp dport 9090 counter packets 0 bytes 0 drop", drop9090.Text);
        Assert.Equal(JsonValueKind.Array, drop9090.Expression.ValueKind);

        var reject = ruleset.Rules.Single(r => r.Table == "rbcap" && r.Verdict == "reject");
        Assert.Equal(("udp", "{ 5353, 5354 }"), (reject.Protocol, reject.DestinationPort));
        Assert.Equal("ip6 saddr fdaa:0:1::/64 udp dport { 5353, 5354 } reject with icmpv6 port-unreachable", reject.Text);
        Assert.Equal("ct state established,related accept", ruleset.Rules.Single(r => r.Table == "rbcap" && r.Handle == 3).Text);
    }

    [Fact]
    public void TablesOfIptablesNft_AreRecognised_SoTheirRulesAreNotCountedTwice()
    {
        var ruleset = NftJsonParser.Parse(NetworkFixtures.Read("nft-ruleset-server.json"));

        Assert.Equal(["ip filter", "ip6 filter", "ip nat"], ruleset.Tables.Where(t => t.IsIptablesNftTable).Select(t => $"{t.Family} {t.Name}"));
        // iptables-nft's multiport and REJECT have no native form: nft shows them as "xt".
        Assert.Contains(ruleset.Rules, r => r.Text.Contains("xt match \"multiport\"", StringComparison.Ordinal));
        var native = ruleset.Without(t => t.IsIptablesNftTable);
        Assert.Equal(["rbcap"], native.Tables.Select(t => t.Name));
        Assert.All(native.Rules, r => Assert.Equal("rbcap", r.Table));
        Assert.Equal(2, native.Chains.Length);
    }

    [Fact]
    public void WgQuickTable_RendersNegationsFibAndMangles()
    {
        var ruleset = NftJsonParser.Parse(NetworkFixtures.Read("nft-ruleset-client.json"));

        Assert.Equal(["ip6 wg-quick-wg0", "ip wg-quick-wg0"], ruleset.Tables.Select(t => $"{t.Family} {t.Name}"));
        Assert.DoesNotContain(ruleset.Tables, t => t.IsIptablesNftTable);
        var guard = ruleset.Rules.First(r => r is { Family: "ip", Chain: "preraw" });
        Assert.Equal(("prerouting", "! wg0", "drop"), (guard.Hook, guard.InputInterface, guard.Verdict));
        Assert.Equal("iifname != \"wg0\" ip daddr 203.0.113.2 fib saddr type != local drop", guard.Text);
        var mark = ruleset.Rules.Single(r => r is { Family: "ip", Chain: "postmangle" });
        Assert.Equal(("udp", null), (mark.Protocol, mark.Verdict));
        Assert.Equal("meta l4proto udp meta mark 51820 ct mark set meta mark", mark.Text);
        var raw = ruleset.Chains.Single(c => c is { Family: "ip", Name: "preraw" });
        Assert.Equal(-300, raw.Priority);
    }

    [Fact]
    public void AnEmptyRuleset_HasOnlyMetainfo()
    {
        var ruleset = NftJsonParser.Parse("""{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}""");

        Assert.Empty(ruleset.Tables);
        Assert.Empty(ruleset.Rules);
    }

    [Theory]
    [InlineData("""{"tables": []}""", "$.nftables", "missing")]
    [InlineData("""{"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 2, "expr": [{}]}}]}""", "$.nftables[0].rule.expr[0]", "expected a statement object")]
    [InlineData("""{"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": "two", "expr": []}}]}""", "$.nftables[0].rule.handle", "expected a whole number")]
    [InlineData("""{"nftables": [{"chain": {"family": "inet", "name": "c"}}]}""", "$.nftables[0].chain.table", "missing")]
    public void MalformedRuleset_NamesTheJsonPath(string json, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => NftJsonParser.Parse(json));

        Assert.Equal(("nft -j list ruleset", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
