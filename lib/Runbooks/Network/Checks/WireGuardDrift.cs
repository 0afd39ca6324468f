using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>How a running WireGuard interface differs from the wg-quick config it should have come from.</summary>
public static class WireGuardDrift
{
    /// <summary>One line per difference (addresses, MTU, listen port, peers); empty when they agree.</summary>
    public static IReadOnlyList<string> Compare(WireGuardConfig config, NetworkLink link, WireGuardInterface running)
    {
        var drift = new List<string>();
        var configured = config.Interface.Addresses.Select(a => a.ToString()).Order().ToList();
        var present = link.Addresses.Where(a => a.Scope != "link").Select(a => a.ToString()).Order().ToList();
        if (!configured.SequenceEqual(present))
            drift.Add($"addresses: config {Join(configured)}; running {Join(present)}");
        if (config.Interface.Mtu is { } mtu && mtu != link.Mtu)
            drift.Add($"MTU: config {mtu}; running {link.Mtu}");
        if (config.Interface.ListenPort is { } port && port != running.ListenPort)
            drift.Add($"ListenPort: config {port}; running {running.ListenPort}");
        // The config's key is compared by the public key the machine derived from it: the private key never leaves it.
        if (config.Interface.PublicKey is { } derived && derived != running.PublicKey)
            drift.Add($"key: the config's PrivateKey gives public key {derived}; running with {running.PublicKey ?? "no key"}");
        foreach (var peer in config.Peers)
        {
            var live = running.Peers.FirstOrDefault(p => p.PublicKey == peer.PublicKey);
            var name = peer.PublicKey is { Length: > 10 } key ? key[..10] + "…" : peer.PublicKey ?? "(no key)";
            if (live is null)
                drift.Add($"peer {name}: in the config, not running");
            else if (!peer.AllowedIps.Select(n => n.ToString()).Order().SequenceEqual(live.AllowedIps.Select(n => n.ToString()).Order()))
                drift.Add($"peer {name} AllowedIPs: config {Join(peer.AllowedIps.Select(n => n.ToString()))}; running {Join(live.AllowedIps.Select(n => n.ToString()))}");
            else if (peer.Endpoint is not null && live.Endpoint is null)
                drift.Add($"peer {name} Endpoint: config {peer.Endpoint}; running none");
            else if (peer.Endpoint is not null && live.Endpoint is not null && Literal(peer.Endpoint) is { } wanted && Literal(live.Endpoint) is { } now && !wanted.Equals(now))
                drift.Add($"peer {name} Endpoint: config {peer.Endpoint}; running {live.Endpoint}");
        }
        foreach (var live in running.Peers.Where(l => config.Peers.All(p => p.PublicKey != l.PublicKey)))
            drift.Add($"peer {live.PublicKey[..Math.Min(10, live.PublicKey.Length)]}…: running, not in the config");
        return drift;
    }

    // "[fdaa::2]:51820" or "192.0.2.1:51820" as an end point; null for a name (resolved by wg-quick, not comparable here).
    private static System.Net.IPEndPoint? Literal(string endpoint) =>
        System.Net.IPEndPoint.TryParse(endpoint, out var parsed) && parsed.Port != 0 ? parsed : null;

    private static string Join(IEnumerable<string> values) => values.Any() ? string.Join(", ", values) : "none";
}
