using System.Collections.Immutable;

namespace Runbooks.Labs.Tests.Faults;

/// <summary>
/// Ways the repaired network twin breaks again, one at a time, beyond the faults the challenge planted: what
/// happens to WireGuard pairs, routes, filters, sysctls and services in real fleets (a hand-run `wg set`, a rule
/// added for something else, a reboot that re-reads a file, a service restarted wrongly). Addresses are the twin's:
/// server 192.0.2.1 (tunnel) and fdaa:0:1:a7b::2 (6pn), client 192.0.2.2, WireGuard on 51820, HTTP on 8080.
/// </summary>
public static class NetworkFaults
{
    private const string Conf = "/etc/wireguard/wg0.conf";
    private const string Reset = "wg-quick down wg0; wg-quick up wg0";

    private static FaultCommand Server(string command) => new("server", command);

    private static FaultCommand Client(string command) => new("client", command);

    private static InjectedFault Fault(string id, string what, FaultCommand[] inject, string[] namedBy, bool fast = false) =>
        new(id, what, [.. inject], [.. namedBy], fast);

    public static ImmutableArray<InjectedFault> All { get; } =
    [
        // WireGuard, running and configured.
        Fault("server-wg-down", "someone ran wg-quick down on the server",
            [Server("wg-quick down wg0")], ["wg-interface-down"], fast: true),
        Fault("client-link-down", "the client's wg0 link was set down",
            [Client("ip link set wg0 down")], ["wg-interface-down"]),
        Fault("server-peer-removed-live", "the client's peer removed from the running server by hand (wg set … remove)",
            [Server("wg set wg0 peer \"$(wg show wg0 peers | head -n 1)\" remove")], ["wg-running-differs-from-config"], fast: true),
        Fault("server-listen-port-live", "the running server moved to another port by hand (wg set wg0 listen-port)",
            [Server("wg set wg0 listen-port 51999")], ["wg-running-differs-from-config"]),
        Fault("server-address-live-removed", "the server's tunnel address deleted from the running wg0",
            [Server("ip address del 192.0.2.1/24 dev wg0")], ["wg-running-differs-from-config"]),
        Fault("client-mtu-live", "the client's running wg0 MTU raised to 1500 by hand",
            [Client("ip link set wg0 mtu 1500")], ["wg-running-differs-from-config", "tunnel-mtu-too-large"]),
        Fault("client-peer-key-wrong", "the client's [Peer] carries another machine's public key",
            [Client($"sed -i \"/^\\[Peer\\]/,\\$ s|^PublicKey = .*|PublicKey = $(wg genkey | wg pubkey)|\" {Conf}; {Reset}")], ["peer-key-mismatch"]),
        Fault("client-key-rotated", "the client's private key was rotated and the server was never told",
            [Client($"sed -i \"s|^PrivateKey = .*|PrivateKey = $(wg genkey)|\" {Conf}; {Reset}")], ["peer-key-mismatch"], fast: true),
        Fault("client-endpoint-port-wrong", "the client's Endpoint names the wrong port",
            [Client($"sed -i 's|^Endpoint = \\(.*\\):51820|Endpoint = \\1:51821|' {Conf}; {Reset}")], ["initiator-endpoint-wrong"]),

        // Packet filters: every hook and table a tunnel or service packet crosses.
        Fault("client-nft-input-udp-drop", "a native nft table on the client drops WireGuard's UDP (its own table and priority)",
            [Client("nft add table inet guard && nft add chain inet guard in '{ type filter hook input priority -5; policy accept; }' && nft add rule inet guard in udp dport 51820 drop")],
            ["wireguard-udp-dropped"]),
        Fault("client-output-udp-drop", "the client's OUTPUT chain drops UDP to port 51820",
            [Client("ip6tables -A OUTPUT -p udp --dport 51820 -j DROP")], ["wireguard-udp-dropped"], fast: true),
        Fault("server-raw-udp-drop", "the server's raw table drops WireGuard's UDP before conntrack",
            [Server("ip6tables -t raw -A PREROUTING -p udp --dport 51820 -j DROP")], ["wireguard-udp-dropped"]),
        Fault("server-output-reply-drop", "the server's OUTPUT drops the web server's replies over wg0",
            [Server("iptables -A OUTPUT -o wg0 -p tcp --sport 8080 -j DROP")], ["service-dropped-on-tunnel"]),
        Fault("server-icmp-drop-wg", "the server drops ICMP arriving over wg0",
            [Server("iptables -I INPUT -i wg0 -p icmp -j DROP")], ["icmp-dropped-on-tunnel"], fast: true),
        Fault("server-input-policy-drop", "the server's IPv4 INPUT policy set to DROP with nothing accepted",
            [Server("iptables -P INPUT DROP")], ["service-dropped-on-tunnel", "icmp-dropped-on-tunnel"]),
        Fault("server-nft-chain-policy-drop", "a native nft chain on the server drops by policy everything from wg0",
            [Server("nft add table inet guard && nft add chain inet guard in '{ type filter hook input priority 10; policy drop; }' && nft add rule inet guard in iifname != \"wg0\" accept")],
            ["service-dropped-on-tunnel", "icmp-dropped-on-tunnel"]),

        // Routing.
        Fault("client-host-route-eth0", "a host route on the client sends the server's tunnel address out of eth0",
            [Client("ip route add 192.0.2.1/32 dev eth0")], ["tunnel-peer-not-routed-via-wg"]),
        Fault("client-policy-rule-blackhole", "a policy rule on the client looks the server up in a table that blackholes it",
            [Client("ip route add blackhole 192.0.2.1/32 table 100 && ip rule add to 192.0.2.1 lookup 100 pref 100")], ["tunnel-peer-not-routed-via-wg"]),

        // Sysctls.
        Fault("server-echo-ignored-persisted", "pings ignored on the server, now and in a sysctl file read at boot",
            [Server("echo 'net.ipv4.icmp_echo_ignore_all = 1' > /etc/sysctl.d/50-quiet.conf && sysctl -qw net.ipv4.icmp_echo_ignore_all=1")], ["icmp-echo-ignored"]),

        // The service.
        Fault("server-service-stopped", "the web server (and what restarted it) stopped",
            [Server("pkill -f '[h]ttp.server 8080'; sleep 0.5; true")], ["service-not-listening-on-tunnel"], fast: true),
        Fault("server-service-loopback", "the web server restarted listening on 127.0.0.1 only",
            // The module's name through a variable: pkill -f would otherwise find it in this very command line.
            [Server("pkill -f '[h]ttp.server 8080'; sleep 0.5; m=http.server; cd /srv/www && setsid /usr/bin/python3 -m $m 8080 --bind 127.0.0.1 </dev/null >/dev/null 2>&1 & sleep 1")],
            ["service-not-listening-on-tunnel"]),
    ];
}
