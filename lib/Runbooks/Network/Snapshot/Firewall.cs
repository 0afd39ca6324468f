using System.Collections.Immutable;
using System.Net.Sockets;
using System.Text.Json;

namespace Runbooks.Network.Snapshot;

/// <summary>Which iptables a rule was read through. Legacy rules are invisible to the nft-backed tools and the reverse.</summary>
public enum FirewallBackend { Nft, Legacy }

/// <summary>
/// The packet filter as four iptables views (v4/v6 × nft/legacy, from <c>*-save</c>) plus the nft ruleset
/// (<c>nft -j list ruleset</c>) for rules written with nft directly.
/// </summary>
/// <remarks>
/// iptables-nft keeps its rules in nft tables (ip/ip6 filter, nat, mangle, raw, security), so <c>nft</c> lists
/// them too. <see cref="NftChains"/> and <see cref="NftRules"/> leave those tables out whenever the matching
/// iptables-nft view was captured, so each rule is counted once, in the form an engineer would edit it.
/// </remarks>
public sealed record FirewallState(
    ImmutableArray<FirewallChain> Chains,
    ImmutableArray<FirewallRule> Rules,
    ImmutableArray<NftRule> NftRules)
{
    public static FirewallState Empty { get; } = new([], [], []);

    /// <summary>Chains of the native nft tables, with their hook and policy: a base chain whose policy is drop
    /// filters traffic even when it holds no rule.</summary>
    public ImmutableArray<NftChain> NftChains { get; init; } = [];
}

/// <summary>A built-in or user chain and its policy (ACCEPT/DROP; null for user chains).</summary>
public sealed record FirewallChain(FirewallBackend Backend, AddressFamily Family, string Table, string Chain, string? Policy);

/// <summary>
/// One iptables rule. <see cref="Specification"/> is the rule exactly as <c>iptables -S</c> prints it after
/// "-A CHAIN" (so <c>iptables -D CHAIN &lt;spec&gt;</c> deletes it); the common matches are parsed out.
/// </summary>
/// <remarks>A negated match keeps its "! " in the typed value (<c>! -s 192.0.2.0/24</c> gives
/// <see cref="Source"/> "! 192.0.2.0/24"), so a check comparing values never mistakes it for the match itself.</remarks>
/// <param name="Position">1-based position in its chain: rules are evaluated in this order.</param>
/// <param name="DestinationPort">--dport, or multiport's --dports list ("8443,9443").</param>
/// <param name="Target">ACCEPT, DROP, REJECT, a user chain…; null when the rule has no -j.</param>
public sealed record FirewallRule(
    FirewallBackend Backend,
    AddressFamily Family,
    string Table,
    string Chain,
    int Position,
    string Specification,
    string? Protocol,
    string? InputInterface,
    string? OutputInterface,
    string? Source,
    string? Destination,
    string? DestinationPort,
    string? SourcePort,
    string? Target)
{
    /// <summary>The tool that shows and edits this rule: iptables, ip6tables, iptables-legacy, ip6tables-legacy.</summary>
    public string Tool => (Family == AddressFamily.InterNetworkV6 ? "ip6tables" : "iptables") + (Backend == FirewallBackend.Legacy ? "-legacy" : "");

    /// <summary>As <c>iptables -S</c> prints it, prefixed by the tool and table: the line an engineer would type.</summary>
    public string Text => $"{Tool}{(Table == "filter" ? "" : $" -t {Table}")} -A {Chain} {Specification}".TrimEnd();
}

/// <summary>
/// A rule of a native nft table (one that iptables-nft did not write). Only the parts the checks look at are
/// typed; <see cref="Expression"/> keeps the whole nft JSON expression list.
/// </summary>
/// <param name="Family">ip, ip6, inet, bridge, arp, netdev.</param>
/// <param name="Hook">The hook of its base chain (input, forward, output…), null for a regular chain.</param>
/// <param name="Verdict">accept, drop, reject, jump X…: the last verdict statement, null if none.</param>
/// <param name="InputInterface">The iifname (or iif) it matches; "! wg0" when negated, "{ a, b }" for a set.</param>
/// <param name="Protocol">The layer 4 protocol it matches (meta l4proto, or implied by a tcp/udp port match).</param>
/// <param name="DestinationPort">The port, set ("{ 5353, 5354 }") or range ("1000-2000") it matches.</param>
/// <param name="Text">A one-line rendering in nft's own syntax, for evidence.</param>
public sealed record NftRule(
    string Family,
    string Table,
    string Chain,
    string? Hook,
    long Handle,
    string? InputInterface,
    string? Protocol,
    string? DestinationPort,
    string? Verdict,
    string Text,
    JsonElement Expression)
{
    /// <summary>The oifname (or oif) it matches, as <see cref="InputInterface"/>.</summary>
    public string? OutputInterface { get; init; }

    /// <summary>The source port it matches, as <see cref="DestinationPort"/>.</summary>
    public string? SourcePort { get; init; }
}

/// <summary>A chain of a native nft table. Base chains have a type, a hook, a priority and a policy; regular chains
/// (jump targets) have none of them.</summary>
/// <param name="Family">ip, ip6, inet, bridge, arp, netdev.</param>
/// <param name="Policy">accept or drop; null for a regular chain.</param>
public sealed record NftChain(string Family, string Table, string Name, string? Type, string? Hook, int? Priority, string? Policy);
