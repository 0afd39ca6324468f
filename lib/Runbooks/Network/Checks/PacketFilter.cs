using System.Collections.Immutable;
using System.Globalization;
using System.Net.Sockets;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>A new inbound packet, described as far as the firewall checks need.</summary>
public sealed record InboundPacket(AddressFamily Family, string Protocol, int DestinationPort, string InputInterface)
{
    public override string ToString() =>
        $"{(Family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} {Protocol} to port {DestinationPort} in on {InputInterface}";
}

/// <summary>The rules that decided a packet's fate: empty when it was accepted by default.</summary>
public sealed record FilterVerdict(bool Dropped, ImmutableArray<FirewallRule> DroppingRules, ImmutableArray<NftRule> DroppingNftRules, ImmutableArray<FirewallChain> DroppingPolicies)
{
    /// <summary>Native nft base chains whose policy dropped the packet (no rule of theirs decided).</summary>
    public ImmutableArray<NftChain> DroppingNftChains { get; init; } = [];

    public IEnumerable<string> Evidence =>
        DroppingRules.Select(r => r.Text)
            .Concat(DroppingNftRules.Select(r => r.Text))
            .Concat(DroppingNftChains.Select(c => $"nft: chain {c.Family} {c.Table} {c.Name} {{ type {c.Type} hook {c.Hook} priority {c.Priority}; policy {c.Policy}; }}"))
            .Concat(DroppingPolicies.Select(p => $"{(p.Family == AddressFamily.InterNetworkV6 ? "ip6tables" : "iptables")}{(p.Backend == FirewallBackend.Legacy ? "-legacy" : "")} -P {p.Chain} {p.Policy}"));
}

/// <summary>
/// Walks a new inbound packet through the INPUT hook the way netfilter does: every iptables backend (nft and
/// legacy tables both hook in, and a DROP in either drops) and every native nft input chain. A rule with a
/// match this model does not parse (source, marks, most modules) is taken as matching, so a rule that might
/// drop the packet is reported rather than missed; connection-state matches count only if they admit NEW.
/// </summary>
public static class PacketFilter
{
    public static FilterVerdict Evaluate(FirewallState firewall, InboundPacket packet)
    {
        var rules = ImmutableArray.CreateBuilder<FirewallRule>();
        var policies = ImmutableArray.CreateBuilder<FirewallChain>();
        foreach (var backend in new[] { FirewallBackend.Nft, FirewallBackend.Legacy })
        {
            var (dropped, rule, policy) = Walk(firewall, backend, packet, "INPUT", depth: 0);
            if (!dropped)
                continue;
            if (rule is not null)
                rules.Add(rule);
            if (policy is not null)
                policies.Add(policy);
        }

        // Each native base chain on the input hook filters on its own: a drop in any of them drops.
        var nftRules = ImmutableArray.CreateBuilder<NftRule>();
        var nftPolicies = ImmutableArray.CreateBuilder<NftChain>();
        var family = packet.Family == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
        foreach (var chain in firewall.NftChains.Where(c => c.Hook == "input" && (c.Family == family || c.Family == "inet")))
        {
            var decisive = firewall.NftRules
                .Where(r => r.Family == chain.Family && r.Table == chain.Table && r.Chain == chain.Name)
                .FirstOrDefault(r => Matches(r, packet) && r.Verdict is "accept" or "drop" or "reject");
            if (decisive?.Verdict is "drop" or "reject")
                nftRules.Add(decisive);
            else if (decisive is null && chain.Policy == "drop")
                nftPolicies.Add(chain);
        }
        return new FilterVerdict(rules.Count + policies.Count + nftRules.Count + nftPolicies.Count > 0, rules.ToImmutable(), nftRules.ToImmutable(), policies.ToImmutable())
        {
            DroppingNftChains = nftPolicies.ToImmutable(),
        };
    }

    private static (bool Dropped, FirewallRule? Rule, FirewallChain? Policy) Walk(FirewallState firewall, FirewallBackend backend, InboundPacket packet, string chain, int depth)
    {
        foreach (var rule in firewall.Rules.Where(r => r.Backend == backend && r.Family == packet.Family && r.Table == "filter" && r.Chain == chain).OrderBy(r => r.Position))
        {
            if (!Matches(rule, packet))
                continue;
            switch (rule.Target)
            {
                case "ACCEPT":
                    return (false, null, null);
                case "DROP" or "REJECT":
                    return (true, rule, null);
                case "RETURN":
                    return (false, null, null);
                case { } jump when depth < 16 && firewall.Chains.Any(c => c.Backend == backend && c.Family == packet.Family && c.Table == "filter" && c.Chain == jump && c.Policy is null):
                    var inner = Walk(firewall, backend, packet, jump, depth + 1);
                    if (inner.Dropped)
                        return inner;
                    // An ACCEPT inside a user chain ends the walk too; we cannot tell it from RETURN here, so
                    // keep walking: a later DROP is then reported, which errs on the side of showing it.
                    break;
            }
        }
        var policy = firewall.Chains.FirstOrDefault(c => c.Backend == backend && c.Family == packet.Family && c.Table == "filter" && c.Chain == chain);
        return policy?.Policy is "DROP" ? (true, null, policy) : (false, null, null);
    }

    private static bool Matches(FirewallRule rule, InboundPacket packet) =>
        (rule.Protocol is null || rule.Protocol.Equals(packet.Protocol, StringComparison.OrdinalIgnoreCase) || rule.Protocol is "all" or "0")
        && InterfaceMatches(rule.InputInterface, packet.InputInterface)
        && PortMatches(rule.DestinationPort, packet.DestinationPort)
        && StateAdmitsNew(rule.Specification);

    private static bool Matches(NftRule rule, InboundPacket packet) =>
        (rule.Protocol is null || rule.Protocol.Equals(packet.Protocol, StringComparison.OrdinalIgnoreCase))
        && InterfaceMatches(rule.InputInterface, packet.InputInterface)
        && PortMatches(rule.DestinationPort, packet.DestinationPort)
        && StateAdmitsNew(rule.Text);

    // iptables: "eth+" is a prefix wildcard; "!" negates (kept in the value by some parsers).
    internal static bool InterfaceMatches(string? pattern, string name)
    {
        if (pattern is null)
            return true;
        var negated = pattern.StartsWith('!');
        var p = pattern.TrimStart('!', ' ');
        var matches = p.EndsWith('+') ? name.StartsWith(p[..^1], StringComparison.Ordinal) : p == name;
        return matches != negated;
    }

    // "51820", "8000:9000" (iptables range), "8000-9000" (nft range), "80,443" (multiport / nft set "{ 80, 443 }").
    internal static bool PortMatches(string? ports, int port)
    {
        if (ports is null)
            return true;
        var negated = ports.StartsWith('!');
        var matches = ports.TrimStart('!', ' ').Trim('{', '}', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(part =>
        {
            var range = part.Split(':', '-');
            return range.Length == 2
                ? int.TryParse(range[0], CultureInfo.InvariantCulture, out var low) && int.TryParse(range[1], CultureInfo.InvariantCulture, out var high) && port >= low && port <= high
                : int.TryParse(part, CultureInfo.InvariantCulture, out var single) && single == port;
        });
        return matches != negated;
    }

    private static bool StateAdmitsNew(string text)
    {
        var index = text.IndexOf("state ", StringComparison.Ordinal);
        if (index < 0)
            return true;
        var states = text[(index + "state ".Length)..].TrimStart().Split(' ', 2)[0];
        return states.Contains("NEW", StringComparison.OrdinalIgnoreCase) || states.Contains("new", StringComparison.Ordinal);
    }
}
