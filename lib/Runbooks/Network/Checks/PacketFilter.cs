using System.Collections.Immutable;
using System.Globalization;
using System.Net.Sockets;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>Where a packet meets the filter: delivered to this machine, or sent by it.</summary>
public enum PacketHook
{
    /// <summary>Arriving for a local socket: PREROUTING, then INPUT.</summary>
    Input,
    /// <summary>Sent by a local socket: OUTPUT, then POSTROUTING.</summary>
    Output,
}

/// <summary>
/// A packet of the tunnel or the service, described as far as the filter checks need. (No packet of the challenge
/// is forwarded: both ends are the machines themselves, so FORWARD is never crossed.)
/// </summary>
/// <param name="Interface">The input interface (<see cref="PacketHook.Input"/>) or the output interface.</param>
/// <param name="Reply">Part of a connection conntrack already knows (ESTABLISHED): a reply, or a later packet.</param>
public sealed record Packet(AddressFamily Family, string Protocol, PacketHook Hook, string Interface, int? DestinationPort = null, int? SourcePort = null, bool Reply = false)
{
    /// <summary>A new packet arriving on <paramref name="inputInterface"/> for a local port.</summary>
    public static Packet In(AddressFamily family, string protocol, int destinationPort, string inputInterface) =>
        new(family, protocol, PacketHook.Input, inputInterface, destinationPort);

    /// <summary>The ICMP protocol name of <paramref name="family"/>, as iptables spells it.</summary>
    public static string Icmp(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "ipv6-icmp" : "icmp";

    public override string ToString()
    {
        var ports = (SourcePort is { } s ? $" from port {s}" : "") + (DestinationPort is { } d ? $" to port {d}" : "");
        return $"{(Family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} {Protocol}{ports} {(Hook == PacketHook.Input ? "in on" : "out of")} {Interface}{(Reply ? " (a reply)" : "")}";
    }
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
            .Concat(DroppingPolicies.Select(p => $"{(p.Family == AddressFamily.InterNetworkV6 ? "ip6tables" : "iptables")}{(p.Backend == FirewallBackend.Legacy ? "-legacy" : "")}{(p.Table == "filter" ? "" : $" -t {p.Table}")} -P {p.Chain} {p.Policy}"));
}

/// <summary>
/// Walks a packet through the hooks it crosses the way netfilter does: on the way in raw and mangle PREROUTING, mangle
/// and filter INPUT; on the way out raw, mangle and filter OUTPUT and mangle POSTROUTING. Every iptables backend hooks
/// in (nft and legacy tables both, and a DROP in either drops), and so does every native nft base chain on those
/// hooks, whatever its table and priority: an accept ends one base chain, a drop ends the packet. A rule with a match
/// this model does not parse (addresses, marks, most modules) is taken as matching, so a rule that might drop the
/// packet is reported rather than missed; connection-state matches count when they admit the packet's state.
/// </summary>
public static class PacketFilter
{
    private static readonly (string Table, string Chain)[] s_inputPath = [("raw", "PREROUTING"), ("mangle", "PREROUTING"), ("mangle", "INPUT"), ("filter", "INPUT")];
    private static readonly (string Table, string Chain)[] s_outputPath = [("raw", "OUTPUT"), ("mangle", "OUTPUT"), ("filter", "OUTPUT"), ("mangle", "POSTROUTING")];

    public static FilterVerdict Evaluate(FirewallState firewall, Packet packet)
    {
        var rules = ImmutableArray.CreateBuilder<FirewallRule>();
        var policies = ImmutableArray.CreateBuilder<FirewallChain>();
        foreach (var backend in new[] { FirewallBackend.Nft, FirewallBackend.Legacy })
        {
            foreach (var (table, chain) in packet.Hook == PacketHook.Input ? s_inputPath : s_outputPath)
            {
                var (dropped, rule, policy) = Walk(firewall, backend, packet, table, chain, depth: 0);
                if (!dropped)
                    continue;
                if (rule is not null)
                    rules.Add(rule);
                if (policy is not null)
                    policies.Add(policy);
                break;   // dropped here: the later tables never see it
            }
        }

        var nftRules = ImmutableArray.CreateBuilder<NftRule>();
        var nftPolicies = ImmutableArray.CreateBuilder<NftChain>();
        var family = packet.Family == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
        string[] hooks = packet.Hook == PacketHook.Input ? ["prerouting", "input"] : ["output", "postrouting"];
        foreach (var chain in firewall.NftChains.Where(c => c.Hook is { } h && hooks.Contains(h) && c.Type != "nat" && (c.Family == family || c.Family == "inet")))
        {
            var decisive = WalkNft(firewall, chain.Family, chain.Table, chain.Name, packet, depth: 0);
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

    private static (bool Dropped, FirewallRule? Rule, FirewallChain? Policy) Walk(FirewallState firewall, FirewallBackend backend, Packet packet, string table, string chain, int depth)
    {
        foreach (var rule in firewall.Rules.Where(r => r.Backend == backend && r.Family == packet.Family && r.Table == table && r.Chain == chain).OrderBy(r => r.Position))
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
                case { } jump when depth < 16 && firewall.Chains.Any(c => c.Backend == backend && c.Family == packet.Family && c.Table == table && c.Chain == jump && c.Policy is null):
                    var inner = Walk(firewall, backend, packet, table, jump, depth + 1);
                    if (inner.Dropped)
                        return inner;
                    // An ACCEPT inside a user chain ends the walk too; we cannot tell it from RETURN here, so
                    // keep walking: a later DROP is then reported, which errs on the side of showing it.
                    break;
            }
        }
        if (depth > 0)
            return (false, null, null);
        var policy = firewall.Chains.FirstOrDefault(c => c.Backend == backend && c.Family == packet.Family && c.Table == table && c.Chain == chain);
        return policy?.Policy is "DROP" ? (true, null, policy) : (false, null, null);
    }

    // The rule that decides the packet in one nft chain, following jumps into regular chains; null when none does.
    private static NftRule? WalkNft(FirewallState firewall, string family, string table, string chain, Packet packet, int depth)
    {
        foreach (var rule in firewall.NftRules.Where(r => r.Family == family && r.Table == table && r.Chain == chain))
        {
            if (!Matches(rule, packet))
                continue;
            switch (rule.Verdict)
            {
                case "accept" or "drop" or "reject":
                    return rule;
                case "return":
                    return null;
                case { } verdict when depth < 16 && verdict.Split(' ') is ["jump" or "goto", var target]:
                    if (WalkNft(firewall, family, table, target, packet, depth + 1) is { } decided)
                        return decided;
                    if (verdict.StartsWith("goto", StringComparison.Ordinal))
                        return null;
                    break;
            }
        }
        return null;
    }

    private static bool Matches(FirewallRule rule, Packet packet) =>
        ProtocolMatches(rule.Protocol, packet.Protocol)
        && InterfacesMatch(rule.InputInterface, rule.OutputInterface, packet)
        && PortMatches(rule.DestinationPort, packet.DestinationPort)
        && PortMatches(rule.SourcePort, packet.SourcePort)
        && StateAdmits(rule.Specification, packet);

    private static bool Matches(NftRule rule, Packet packet) =>
        ProtocolMatches(rule.Protocol, packet.Protocol)
        && InterfacesMatch(rule.InputInterface, rule.OutputInterface, packet)
        && PortMatches(rule.DestinationPort, packet.DestinationPort)
        && PortMatches(rule.SourcePort, packet.SourcePort)
        && StateAdmits(rule.Text, packet);

    // An input-interface match never holds on the way out, nor an output one on the way in.
    private static bool InterfacesMatch(string? input, string? output, Packet packet) => packet.Hook == PacketHook.Input
        ? output is null && InterfaceMatches(input, packet.Interface)
        : input is null && InterfaceMatches(output, packet.Interface);

    private static bool ProtocolMatches(string? rule, string packet)
    {
        if (rule is null or "all" or "0")
            return true;
        var negated = rule.StartsWith('!');
        var name = Canonical(rule.TrimStart('!', ' '));
        return (name == Canonical(packet)) != negated;
    }

    private static string Canonical(string protocol) => protocol.ToLowerInvariant() switch
    {
        "1" => "icmp",
        "6" => "tcp",
        "17" => "udp",
        "58" or "icmpv6" or "ipv6-icmp" => "ipv6-icmp",
        var p => p,
    };

    // iptables: "eth+" is a prefix wildcard; "!" negates (kept in the value by some parsers).
    internal static bool InterfaceMatches(string? pattern, string name)
    {
        if (pattern is null)
            return true;
        var negated = pattern.StartsWith('!');
        var p = pattern.TrimStart('!', ' ').Trim('"');
        var matches = p.EndsWith('+') || p.EndsWith('*') ? name.StartsWith(p[..^1], StringComparison.Ordinal) : p == name;
        return matches != negated;
    }

    // "51820", "8000:9000" (iptables range), "8000-9000" (nft range), "80,443" (multiport / nft set "{ 80, 443 }").
    // A rule matching a port never matches a packet without one (ICMP).
    internal static bool PortMatches(string? ports, int? port)
    {
        if (ports is null)
            return true;
        if (port is not { } p)
            return false;
        var negated = ports.StartsWith('!');
        var matches = ports.TrimStart('!', ' ').Trim('{', '}', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(part =>
        {
            var range = part.Split(':', '-');
            return range.Length == 2
                ? int.TryParse(range[0], CultureInfo.InvariantCulture, out var low) && int.TryParse(range[1], CultureInfo.InvariantCulture, out var high) && p >= low && p <= high
                : int.TryParse(part, CultureInfo.InvariantCulture, out var single) && single == p;
        });
        return matches != negated;
    }

    // "--state NEW", "--ctstate RELATED,ESTABLISHED", nft's "ct state established,related": a new packet is NEW, a
    // reply ESTABLISHED.
    private static bool StateAdmits(string text, Packet packet)
    {
        var index = text.IndexOf("state ", StringComparison.Ordinal);
        if (index < 0)
            return true;
        var states = text[(index + "state ".Length)..].TrimStart().Split(' ', 2)[0];
        return states.Contains(packet.Reply ? "established" : "new", StringComparison.OrdinalIgnoreCase);
    }
}
