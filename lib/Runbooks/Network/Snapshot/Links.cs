using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;

namespace Runbooks.Network.Snapshot;

/// <summary>An interface as <c>ip -j -d addr</c> shows it.</summary>
/// <param name="Flags">Kernel flags, e.g. UP, LOWER_UP, POINTOPOINT, NOARP.</param>
/// <param name="OperationalState">UP, DOWN, UNKNOWN (tun devices such as wireguard-go's say UNKNOWN when up).</param>
/// <param name="Kind">The <c>linkinfo.info_kind</c>: veth, bridge, wireguard, tun…; null for plain devices.</param>
public sealed record NetworkLink(
    int Index,
    string Name,
    int Mtu,
    ImmutableArray<string> Flags,
    string OperationalState,
    string? Kind,
    string? LinkType,
    ImmutableArray<InterfaceAddress> Addresses)
{
    /// <summary>Administratively up (the UP flag), which is what <c>ip link set up</c> controls.</summary>
    public bool IsUp => Flags.Contains("UP");

    public IEnumerable<InterfaceAddress> AddressesOf(AddressFamily family) => Addresses.Where(a => a.Address.AddressFamily == family);
}

/// <summary>One address on an interface, with its prefix (<c>192.0.2.1/24</c>).</summary>
/// <param name="Scope">global, link, host.</param>
/// <param name="Flags">What ip -j marks true on the address: nodad, noprefixroute, dynamic, tentative, stable-privacy…</param>
public sealed record InterfaceAddress(IPAddress Address, int PrefixLength, string Scope, ImmutableArray<string> Flags)
{
    /// <summary>The far end of a point-to-point address (<c>ip addr add 10.0.0.1 peer 10.0.0.2/32</c>); the prefix
    /// then belongs to the peer, not to <see cref="Address"/>.</summary>
    public IPAddress? Peer { get; init; }

    /// <summary>The subnet the address lies in, e.g. 192.0.2.0/24 for 192.0.2.1/24.</summary>
    public IPNetwork Subnet => Prefixes.Network(Address, PrefixLength);

    public override string ToString() => $"{Address}/{PrefixLength}";
}
