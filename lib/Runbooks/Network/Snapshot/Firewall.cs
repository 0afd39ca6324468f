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
public sealed record FirewallState(
    ImmutableArray<FirewallChain> Chains,
    ImmutableArray<FirewallRule> Rules,
    ImmutableArray<NftRule> NftRules)
{
    public static FirewallState Empty { get; } = new([], [], []);
}

/// <summary>A built-in or user chain and its policy (ACCEPT/DROP; null for user chains).</summary>
public sealed record FirewallChain(FirewallBackend Backend, AddressFamily Family, string Table, string Chain, string? Policy);

/// <summary>
/// One iptables rule. <see cref="Specification"/> is the rule exactly as <c>iptables -S</c> prints it after
/// "-A CHAIN" (so <c>iptables -D CHAIN &lt;spec&gt;</c> deletes it); the common matches are parsed out.
/// </summary>
/// <param name="Position">1-based position in its chain: rules are evaluated in this order.</param>
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
/// <param name="Text">A one-line rendering, for evidence.</param>
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
    JsonElement Expression);
