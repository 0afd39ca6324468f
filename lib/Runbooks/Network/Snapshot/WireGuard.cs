using System.Collections.Immutable;
using System.Net;

namespace Runbooks.Network.Snapshot;

/// <summary>A running WireGuard interface (<c>wg show all dump</c>). The private key is never captured: only whether one is set.</summary>
public sealed record WireGuardInterface(
    string Name,
    string? PublicKey,
    bool HasPrivateKey,
    int ListenPort,
    string? FirewallMark,
    ImmutableArray<WireGuardPeer> Peers);

/// <summary>A peer of a running interface.</summary>
/// <param name="Endpoint">Where packets to the peer go ("[fdaa::2]:51820"); null when none is known yet.</param>
/// <param name="LatestHandshake">Null when there never was one.</param>
/// <param name="PersistentKeepalive">Seconds; null when off.</param>
public sealed record WireGuardPeer(
    string PublicKey,
    bool HasPresharedKey,
    string? Endpoint,
    ImmutableArray<IPNetwork> AllowedIps,
    DateTimeOffset? LatestHandshake,
    long ReceivedBytes,
    long SentBytes,
    int? PersistentKeepalive);

/// <summary>
/// A wg-quick config file (<c>/etc/wireguard/wg0.conf</c>). Captured on the machine with the PrivateKey
/// value replaced by the public key it derives (<see cref="WireGuardConfigInterface.PublicKey"/>), so the
/// secret never crosses the wire; the fixes edit the file in place on the machine for the same reason.
/// </summary>
/// <param name="Lines">The file as captured (private key already replaced), numbered from 1, for evidence.</param>
public sealed record WireGuardConfig(
    string Path,
    string InterfaceName,
    WireGuardConfigInterface Interface,
    ImmutableArray<WireGuardConfigPeer> Peers,
    ImmutableArray<string> Lines)
{
    /// <summary>Every "Key = Value" line in file order, with its line number and its section's header line, so a
    /// finding can quote the very line ("wg0.conf:7: MTU = 1500") and a fix can change it in place.</summary>
    public ImmutableArray<WireGuardConfigSetting> Settings { get; init; } = [];
}

/// <summary>One "Key = Value" line of a config file.</summary>
/// <param name="Line">1-based.</param>
/// <param name="SectionLine">The line of the [Interface] or [Peer] header it belongs to.</param>
/// <param name="Key">As written (wg-quick and wg read keys in any case).</param>
/// <param name="Value">As written, trimmed, without a trailing comment.</param>
public sealed record WireGuardConfigSetting(int Line, int SectionLine, string Key, string Value);

/// <summary>The [Interface] section. Values are as written; <see cref="Addresses"/> keep their host part (192.0.2.1/24).</summary>
/// <param name="PublicKey">Derived from PrivateKey on the machine (<c>wg pubkey</c>); null if the file has none or it is invalid.</param>
/// <param name="Hooks">PreUp/PostUp/PreDown/PostDown lines, in file order, as (key, command).</param>
/// <param name="SectionLine">The 1-based line of its "[Interface]" header; 0 when the file has none.</param>
public sealed record WireGuardConfigInterface(
    ImmutableArray<InterfaceAddress> Addresses,
    int? ListenPort,
    int? Mtu,
    string? PublicKey,
    string? Table,
    ImmutableArray<string> Dns,
    ImmutableArray<KeyValuePair<string, string>> Hooks,
    int SectionLine);

/// <summary>A [Peer] section of a config file.</summary>
/// <param name="SectionLine">The 1-based line of its "[Peer]" header, so fixes and evidence can point at it.</param>
public sealed record WireGuardConfigPeer(
    string? PublicKey,
    ImmutableArray<IPNetwork> AllowedIps,
    string? Endpoint,
    int? PersistentKeepalive,
    bool HasPresharedKey,
    int SectionLine);
