using System.Net;
using System.Net.Sockets;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>
/// What the tunnel should look like, worked out from the two machines' own configuration rather than
/// from any list of faults. The server's configuration is the authority for the tunnel subnet: services
/// are addressed by the server's address (the challenge's test pings and fetches from it), so the client
/// follows the server. The client's address is the one the server already expects (its peer's AllowedIPs)
/// when that lies in the subnet, else the client's own if it does, else the next free host.
/// </summary>
public sealed record TunnelIntent(
    InterfaceAddress ServerAddress,
    InterfaceAddress ClientAddress,
    int Mtu,
    int ListenPort,
    IPAddress ServerUnderlayAddress,
    string? ServerPublicKey,
    string? ClientPublicKey)
{
    public IPNetwork Subnet => ServerAddress.Subnet;

    public InterfaceAddress AddressOf(TunnelRole role) => role == TunnelRole.Server ? ServerAddress : ClientAddress;

    public string? PublicKeyOf(TunnelRole role) => role == TunnelRole.Server ? ServerPublicKey : ClientPublicKey;

    /// <summary>The client's Endpoint: the server's underlay address and listen port.</summary>
    public string Endpoint => ServerUnderlayAddress.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ServerUnderlayAddress}]:{ListenPort}" : $"{ServerUnderlayAddress}:{ListenPort}";

    /// <summary>Null, with the reason, when the configuration is too broken to infer an intent (no server config, no address).</summary>
    public static TunnelIntent? Infer(TunnelState state, TunnelSettings settings, out string? whyNot)
    {
        var serverConfig = state.Server.WireGuardConfig(settings.Interface);
        var clientConfig = state.Client.WireGuardConfig(settings.Interface);
        var serverUnderlay = Underlay.Of(state.Server, settings.Interface);
        var clientUnderlay = Underlay.Of(state.Client, settings.Interface);
        whyNot = (serverConfig, clientConfig, serverUnderlay, clientUnderlay) switch
        {
            (null, _, _, _) => $"the server has no /etc/wireguard/{settings.Interface}.conf",
            (_, null, _, _) => $"the client has no /etc/wireguard/{settings.Interface}.conf",
            (_, _, null, _) => "the server has no global IPv6 address to carry WireGuard",
            (_, _, _, null) => "the client has no global IPv6 address to carry WireGuard",
            _ when serverConfig.Interface.Addresses.IsEmpty => $"the server's {settings.Interface}.conf sets no Address",
            _ => null,
        };
        if (whyNot is not null)
            return null;

        var serverAddress = serverConfig!.Interface.Addresses.OrderBy(a => a.Address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        var subnet = serverAddress.Subnet;
        var clientKey = clientConfig!.Interface.PublicKey ?? state.Client.WireGuardInterface(settings.Interface)?.PublicKey;
        var serverKey = serverConfig.Interface.PublicKey ?? state.Server.WireGuardInterface(settings.Interface)?.PublicKey;

        // The server's peer for the client: the one with the client's key, or the only one.
        var serverPeer = serverConfig.Peers.FirstOrDefault(p => p.PublicKey is not null && p.PublicKey == clientKey)
            ?? (serverConfig.Peers.Length == 1 ? serverConfig.Peers[0] : null);
        var expected = serverPeer?.AllowedIps
            .Where(n => n.BaseAddress.AddressFamily == subnet.BaseAddress.AddressFamily && n.PrefixLength == (subnet.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
            .Select(n => n.BaseAddress)
            .FirstOrDefault(a => subnet.Contains(a) && !a.Equals(serverAddress.Address));
        var own = clientConfig.Interface.Addresses.FirstOrDefault(a => subnet.Contains(a.Address) && !a.Address.Equals(serverAddress.Address))?.Address;
        var clientAddress = expected ?? own ?? NextHost(serverAddress.Address);

        var underlayMtu = Math.Min(serverUnderlay!.Link.Mtu, clientUnderlay!.Link.Mtu);
        return new TunnelIntent(
            serverAddress,
            new InterfaceAddress(clientAddress, serverAddress.PrefixLength, "global", []),
            underlayMtu - settings.Overhead,
            serverConfig.Interface.ListenPort ?? settings.DefaultListenPort,
            serverUnderlay.Address,
            serverKey,
            clientKey);
    }

    private static IPAddress NextHost(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        for (var i = bytes.Length - 1; i >= 0 && ++bytes[i] == 0; i--) { }
        return new IPAddress(bytes);
    }
}
