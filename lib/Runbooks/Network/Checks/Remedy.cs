using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>
/// What a finding needs done, as data: the fix planner turns remedies into steps, merging those that touch
/// the same thing (every edit of one wg0.conf becomes one rewrite and one restart).
/// </summary>
public abstract record Remedy(TunnelRole Role);

/// <summary>Set a key of the [Interface] section, or of the [Peer] section whose header is on <paramref name="PeerSectionLine"/>.</summary>
public sealed record SetConfigValue(TunnelRole Role, int? PeerSectionLine, string Key, string Value) : Remedy(Role);

/// <summary>Bring the running interface in line with its config (wg-quick down; wg-quick up).</summary>
public sealed record RestartTunnel(TunnelRole Role) : Remedy(Role);

/// <summary>Delete one iptables rule, with the tool of its backend.</summary>
public sealed record DeleteFirewallRule(TunnelRole Role, FirewallRule Rule) : Remedy(Role);

/// <summary>Delete one native nft rule by its handle.</summary>
public sealed record DeleteNftRule(TunnelRole Role, NftRule Rule) : Remedy(Role);

/// <summary>
/// Insert an iptables rule at the top of a chain (so nothing earlier decides first), for the sake of
/// <paramref name="Packet"/>: done once the packet filter model says it is dropped (<paramref name="Drop"/>) or no
/// longer dropped by this chain, which is the effect wanted, not merely the rule's presence.
/// </summary>
public sealed record InsertFirewallRule(TunnelRole Role, string Tool, string Chain, string Specification, Packet Packet, bool Drop, string Table = "filter") : Remedy(Role);

/// <summary>Insert an accept rule at the top of a native nft chain whose policy drops <paramref name="Packet"/>.</summary>
public sealed record InsertNftRule(TunnelRole Role, NftChain Chain, string Rule, Packet Packet) : Remedy(Role);

/// <summary>Set a sysctl now and where the machine re-reads it at boot.</summary>
public sealed record SetSysctl(TunnelRole Role, string Name, string Value) : Remedy(Role);

/// <summary>Delete a route.</summary>
public sealed record DeleteRoute(TunnelRole Role, Route Route) : Remedy(Role);
