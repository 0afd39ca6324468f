using System.Net.Sockets;
using Runbooks.Checks;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

public static partial class TunnelChecks
{
    private sealed record FilterPath(TunnelRole Role, Packet Packet, string Check);

    /// <summary>
    /// Every packet the challenge needs, on each machine and hook where a filter meets it: WireGuard's UDP both ways
    /// over the underlay, the service's TCP and ping both ways through the tunnel (requests new, replies established).
    /// One finding per machine and kind of traffic, with every rule, nft chain or policy that drops a packet of it.
    /// </summary>
    private static IEnumerable<DiagnosedFinding> FilterPaths(Context c)
    {
        const TunnelRole server = TunnelRole.Server, client = TunnelRole.Client;
        var paths = new List<FilterPath>();
        var serverPort = c.Intent.ListenPort;
        if (c.Underlay(server) is { } su)
        {
            paths.Add(new(server, Packet.In(su.Address.AddressFamily, "udp", serverPort, su.Link.Name), "wireguard-udp-dropped"));
            paths.Add(new(server, new Packet(su.Address.AddressFamily, "udp", PacketHook.Output, su.Link.Name, SourcePort: serverPort, Reply: true), "wireguard-udp-dropped"));
        }
        if (c.Underlay(client) is { } cu)
        {
            paths.Add(new(client, new Packet(cu.Address.AddressFamily, "udp", PacketHook.Output, cu.Link.Name, DestinationPort: serverPort), "wireguard-udp-dropped"));
            paths.Add(new(client, new Packet(cu.Address.AddressFamily, "udp", PacketHook.Input, cu.Link.Name, SourcePort: serverPort, Reply: true), "wireguard-udp-dropped"));
            // The client's own port: where the server's handshakes arrive once it initiates (after a rekey).
            if ((c.Config(client)?.Interface.ListenPort ?? c.Snapshot(client).WireGuardInterface(c.Wg)?.ListenPort) is { } clientPort)
                paths.Add(new(client, Packet.In(cu.Address.AddressFamily, "udp", clientPort, cu.Link.Name), "wireguard-udp-dropped"));
        }
        var family = c.Intent.ServerAddress.Address.AddressFamily;
        var service = c.Settings.ServicePort;
        var icmp = Packet.Icmp(family);
        paths.AddRange(
        [
            new(client, new Packet(family, "tcp", PacketHook.Output, c.Wg, DestinationPort: service), "service-dropped-on-tunnel"),
            new(server, Packet.In(family, "tcp", service, c.Wg), "service-dropped-on-tunnel"),
            new(server, new Packet(family, "tcp", PacketHook.Output, c.Wg, SourcePort: service, Reply: true), "service-dropped-on-tunnel"),
            new(client, new Packet(family, "tcp", PacketHook.Input, c.Wg, SourcePort: service, Reply: true), "service-dropped-on-tunnel"),
            new(client, new Packet(family, icmp, PacketHook.Output, c.Wg), "icmp-dropped-on-tunnel"),
            new(server, new Packet(family, icmp, PacketHook.Input, c.Wg), "icmp-dropped-on-tunnel"),
            new(server, new Packet(family, icmp, PacketHook.Output, c.Wg, Reply: true), "icmp-dropped-on-tunnel"),
            new(client, new Packet(family, icmp, PacketHook.Input, c.Wg, Reply: true), "icmp-dropped-on-tunnel"),
        ]);

        var dropped = paths
            .Select(p => (Path: p, Verdict: PacketFilter.Evaluate(c.Snapshot(p.Role).Firewall, p.Packet)))
            .Where(x => x.Verdict.Dropped);
        foreach (var group in dropped.GroupBy(x => (x.Path.Role, x.Path.Check)))
        {
            var (role, check) = group.Key;
            var evidence = group.SelectMany(x => x.Verdict.Evidence.Prepend($"{x.Path.Packet}: dropped")).Distinct();
            var remedies = group.SelectMany(x => Removals(role, x.Verdict, x.Path.Packet)).Distinct();
            var (title, why) = check switch
            {
                "wireguard-udp-dropped" => ($"The firewall drops WireGuard's UDP (port {serverPort}) on the {role.Name()}",
                    "Handshakes and every tunnel packet travel as UDP to and from this port; dropping them either way is a silent, total outage of the tunnel."),
                "service-dropped-on-tunnel" => ($"The firewall drops the service's TCP {service} over {c.Wg} on the {role.Name()}",
                    "HTTP through the tunnel is the one path the service must be reachable by: the request and its replies must both pass."),
                _ => ($"The firewall drops ping over {c.Wg} on the {role.Name()}",
                    "Ping through the tunnel is how the challenge (and anyone on call) tells a dead tunnel from a dead service; the request and its reply must both pass."),
            };
            yield return new DiagnosedFinding(new Finding(check, Severity.Error, role.Name(), title, why, [.. evidence],
                "Delete the rule(s) dropping it, or accept it ahead of a dropping policy"), [.. remedies]);
        }
    }

    private static IEnumerable<Remedy> Removals(TunnelRole role, FilterVerdict verdict, Packet packet) =>
        verdict.DroppingRules.Select(r => (Remedy)new DeleteFirewallRule(role, r))
            .Concat(verdict.DroppingNftRules.Select(r => new DeleteNftRule(role, r)))
            .Concat(verdict.DroppingPolicies.Select(p => new InsertFirewallRule(role,
                (p.Family == AddressFamily.InterNetworkV6 ? "ip6tables" : "iptables") + (p.Backend == FirewallBackend.Legacy ? "-legacy" : ""),
                p.Chain, AcceptSpecification(packet), packet, Drop: false, p.Table)))
            .Concat(verdict.DroppingNftChains.Select(chain => new InsertNftRule(role, chain, AcceptNftRule(packet), packet)));

    // The narrowest rule that lets this kind of packet through: its interface, protocol and ports.
    private static string AcceptSpecification(Packet p) =>
        $"{(p.Hook == PacketHook.Input ? "-i" : "-o")} {p.Interface} -p {p.Protocol}"
        + (p.DestinationPort is { } d ? $" --dport {d}" : "") + (p.SourcePort is { } s ? $" --sport {s}" : "") + " -j ACCEPT";

    private static string AcceptNftRule(Packet p)
    {
        var ports = (p.DestinationPort is { } d ? $" {p.Protocol} dport {d}" : "") + (p.SourcePort is { } s ? $" {p.Protocol} sport {s}" : "");
        return $"{(p.Hook == PacketHook.Input ? "iifname" : "oifname")} \"{p.Interface}\"{(ports.Length > 0 ? ports : $" meta l4proto {p.Protocol}")} accept";
    }
}
