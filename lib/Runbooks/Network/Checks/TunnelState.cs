using System.Net;
using System.Net.Sockets;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>What the tunnel is for: the interface, the service it must carry, and the underlay's overhead.</summary>
/// <param name="Interface">The WireGuard interface and its wg-quick config name.</param>
/// <param name="ServicePort">The TCP port the server serves over the tunnel, and that must be closed on the underlay.</param>
/// <param name="DefaultListenPort">The port to configure when the responder has none.</param>
/// <param name="Overhead">WireGuard's encapsulation over IPv6 (40 IPv6 + 8 UDP + 32 WireGuard): the tunnel MTU is at most the underlay's minus this.</param>
public sealed record TunnelSettings(string Interface = "wg0", int ServicePort = 8080, int DefaultListenPort = 51820, int Overhead = 80)
{
    /// <summary>
    /// How the server's service is (re)started, as a shell command run there: when set, a service not listening where
    /// the tunnel reaches is restarted with it; when empty (the runbook does not know how the machine starts it), that
    /// finding stays open with its evidence.
    /// </summary>
    public string ServiceRestart { get; init; } = "";
}

/// <summary>Both machines' snapshots, taken together: the checks compare one side with the other.</summary>
public sealed record TunnelState(NetworkSnapshot Server, NetworkSnapshot Client)
{
    public NetworkSnapshot Of(TunnelRole role) => role == TunnelRole.Server ? Server : Client;

    public NetworkSnapshot PeerOf(TunnelRole role) => role == TunnelRole.Server ? Client : Server;
}

/// <summary>
/// The server answers (listens, serves); the client initiates (has the Endpoint). In the runbook and the
/// plan each machine is named by its role, because both are called by their role in the challenge.
/// </summary>
public enum TunnelRole { Server, Client }

public static class TunnelRoles
{
    public static string Name(this TunnelRole role) => role == TunnelRole.Server ? "server" : "client";

    public static TunnelRole Other(this TunnelRole role) => role == TunnelRole.Server ? TunnelRole.Client : TunnelRole.Server;
}

/// <summary>The network WireGuard's UDP runs over (Fly's 6pn): the interface and the machine's address on it.</summary>
public sealed record Underlay(NetworkLink Link, IPAddress Address)
{
    private static readonly IPNetwork s_sixPn = IPNetwork.Parse("fdaa::/16");

    /// <summary>
    /// The interface with a global IPv6 address, preferring one in Fly's fdaa::/16; never the tunnel itself or
    /// loopback. Null if the machine has none, which is itself a finding.
    /// </summary>
    public static Underlay? Of(NetworkSnapshot snapshot, string tunnelInterface)
    {
        var candidates = snapshot.Links
            .Where(l => l.Name != tunnelInterface && l.Name != "lo" && l.Kind != "wireguard")
            .SelectMany(l => l.AddressesOf(AddressFamily.InterNetworkV6).Where(a => a.Scope == "global").Select(a => (Link: l, a.Address)))
            .OrderByDescending(c => s_sixPn.Contains(c.Address))
            .ThenBy(c => c.Link.Index)
            .ToList();
        return candidates.Count == 0 ? null : new Underlay(candidates[0].Link, candidates[0].Address);
    }
}
