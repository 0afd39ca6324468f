using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;

namespace Runbooks.Network.Snapshot;

/// <summary>A route of any table, as <c>ip -j route show table all</c> (and <c>ip -6 …</c>) print it.</summary>
/// <param name="Destination">The prefix it covers; 0.0.0.0/0 or ::/0 for <c>default</c>.</param>
/// <param name="Type">unicast, local, broadcast, unreachable, blackhole, prohibit, throw, multicast, anycast.</param>
/// <param name="Table">main, local, default, or a number.</param>
/// <param name="Protocol">kernel, boot, static, ra, dhcp…: <c>kernel</c> routes come with an address, the others were added.</param>
/// <param name="Gateway">The next hop (<c>via</c>); null for a directly connected route and for a multipath one
/// (see <see cref="Nexthops"/>).</param>
/// <param name="Scope">global, link, host; global when ip printed none.</param>
/// <param name="Text">The route as <c>ip route</c> would print it, for evidence and for deleting it exactly.</param>
public sealed record Route(
    AddressFamily Family,
    IPNetwork Destination,
    string Type,
    string Table,
    IPAddress? Gateway,
    string? Device,
    string? Protocol,
    string? Scope,
    IPAddress? PreferredSource,
    int? Metric,
    bool OnLink,
    string Text)
{
    public bool IsDefault => Destination.PrefixLength == 0;

    /// <summary>The paths of a multipath route (<c>nexthop via … nexthop via …</c>); empty for a single path.</summary>
    public ImmutableArray<RouteNexthop> Nexthops { get; init; } = [];
}

/// <summary>One path of a multipath route.</summary>
public sealed record RouteNexthop(IPAddress? Gateway, string? Device, int Weight, bool OnLink);

/// <summary>A policy routing rule (<c>ip -j rule</c>, <c>ip -j -6 rule</c>).</summary>
/// <param name="From">Null for "from all".</param>
/// <param name="FirewallMark">"0x10" or, with a mask, "0x10/0xff".</param>
/// <param name="Invert">The rule's selector is negated (<c>not from …</c>).</param>
/// <param name="Action">"lookup" (with <see cref="Table"/>), or blackhole, unreachable, prohibit, goto, nop.</param>
/// <param name="Text">The rule as <c>ip rule</c> prints it ("32765: not from all fwmark 0xca6c lookup 51820", with a
/// space where ip prints a tab).</param>
public sealed record RoutingRule(
    AddressFamily Family,
    int Priority,
    IPNetwork? From,
    IPNetwork? To,
    string? InputInterface,
    string? OutputInterface,
    string? FirewallMark,
    bool Invert,
    string Action,
    string? Table,
    string Text);
