using Runbooks.Capture;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Runbooks.Checks;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>
/// The invariants a working WireGuard tunnel over an IPv6 underlay must satisfy, checked over both machines'
/// snapshots. Each check states a property of a healthy pair (addresses agree, the initiator knows where to
/// send, nothing drops the tunnel's packets…), never a known fault, so faults nobody listed still show.
/// A fault can show as more than one finding; the planner merges their remedies.
/// </summary>
public static partial class TunnelChecks
{
    public static NetworkDiagnosis Run(TunnelState state, TunnelSettings? settings = null)
    {
        settings ??= new TunnelSettings();
        var items = new List<DiagnosedFinding>();
        foreach (var role in new[] { TunnelRole.Server, TunnelRole.Client })
            items.AddRange(CaptureProblems(role, state.Of(role)));

        var intent = TunnelIntent.Infer(state, settings, out var whyNot);
        if (intent is null)
        {
            items.Add(Item(new Finding("tunnel-intent-unknown", Severity.Error, "both", "The tunnel's intended shape cannot be worked out",
                $"The checks compare each side with what the server's configuration says the tunnel is, but {whyNot}.", [whyNot!],
                "Restore the WireGuard configuration by hand (the keys cannot be invented), then run the checks again.")));
            return new NetworkDiagnosis(null, [.. items]);
        }

        var context = new Context(state, settings, intent);
        foreach (var role in new[] { TunnelRole.Server, TunnelRole.Client })
        {
            items.AddRange(InterfaceState(context, role));
            items.AddRange(TunnelAddress(context, role));
            items.AddRange(PeerSection(context, role));
            items.AddRange(Mtu(context, role));
            items.AddRange(EchoAnswered(context, role));
            items.AddRange(Routing(context, role));
        }
        items.AddRange(ListenPort(context));
        items.AddRange(FilterPaths(context));
        items.AddRange(Service(context));
        return new NetworkDiagnosis(intent, [.. items]);
    }

    private sealed record Context(TunnelState State, TunnelSettings Settings, TunnelIntent Intent)
    {
        public NetworkSnapshot Snapshot(TunnelRole role) => State.Of(role);

        public WireGuardConfig? Config(TunnelRole role) => State.Of(role).WireGuardConfig(Settings.Interface);

        public Underlay? Underlay(TunnelRole role) => Checks.Underlay.Of(State.Of(role), Settings.Interface);

        public string Wg => Settings.Interface;

        /// <summary>The [Peer] of <paramref name="role"/>'s config that stands for the other machine: by key, else the only one.</summary>
        public WireGuardConfigPeer? PeerSection(TunnelRole role)
        {
            var config = Config(role);
            if (config is null)
                return null;
            var key = Intent.PublicKeyOf(role.Other());
            return config.Peers.FirstOrDefault(p => p.PublicKey is not null && p.PublicKey == key)
                ?? (config.Peers.Length == 1 ? config.Peers[0] : null);
        }
    }

    private static DiagnosedFinding Item(Finding finding, params Remedy[] remedies) => new(finding, [.. remedies]);

    private static IEnumerable<DiagnosedFinding> CaptureProblems(TunnelRole role, NetworkSnapshot snapshot) =>
        snapshot.Problems.Select(p => Item(new Finding("capture-incomplete", Severity.Warning, role.Name(),
            $"Part of the state could not be captured: {p.Section}",
            "The checks that need this section see nothing there and may miss a fault.",
            [$"{p.Command} (exit {p.ExitCode}): {p.Message}"],
            "Install the missing tool or fix the permission, then capture again.")));

    private static IEnumerable<DiagnosedFinding> InterfaceState(Context c, TunnelRole role)
    {
        var snapshot = c.Snapshot(role);
        var config = c.Config(role);
        if (config is null)
        {
            yield return Item(new Finding("wg-config-missing", Severity.Error, role.Name(), $"No /etc/wireguard/{c.Wg}.conf",
                $"wg-quick (and the challenge's test, which runs wg-quick down/up) builds {c.Wg} from this file.",
                [$"/etc/wireguard on {snapshot.Hostname}: {string.Join(", ", snapshot.WireGuardConfigs.Select(w => w.Path).DefaultIfEmpty("no .conf files"))}"],
                "Restore the config from the machine's image or a backup: its private key cannot be invented."));
            yield break;
        }
        var link = snapshot.Link(c.Wg);
        var running = snapshot.WireGuardInterface(c.Wg);
        if (link is null || running is null || !link.IsUp)
        {
            yield return Item(new Finding("wg-interface-down", Severity.Error, role.Name(), $"{c.Wg} is not up",
                "Without a running interface nothing goes through the tunnel.",
                [link is null ? $"ip link: no {c.Wg}" : $"ip link: {c.Wg} flags {string.Join(",", link.Flags)}", running is null ? $"wg show: no {c.Wg}" : $"wg show: {c.Wg} listening on {running.ListenPort}"],
                $"wg-quick up {c.Wg}"), new RestartTunnel(role));
            yield break;
        }

        var drift = WireGuardDrift.Compare(config, link, running);
        if (drift.Count > 0)
            yield return Item(new Finding("wg-running-differs-from-config", Severity.Warning, role.Name(), $"The running {c.Wg} is not what {c.Wg}.conf says",
                "Someone changed the running interface by hand, or the file after it was brought up: the next wg-quick down/up (the challenge's test does one) changes the behaviour.",
                [.. drift], $"wg-quick down {c.Wg}; wg-quick up {c.Wg}"), new RestartTunnel(role));
    }

    private static IEnumerable<DiagnosedFinding> TunnelAddress(Context c, TunnelRole role)
    {
        if (role == TunnelRole.Server || c.Config(role) is not { } config)
            yield break;
        var wanted = c.Intent.ClientAddress;
        if (config.Interface.Addresses.Any(a => a.Address.Equals(wanted.Address) && a.PrefixLength == wanted.PrefixLength))
            yield break;
        var server = c.Config(TunnelRole.Server)!;
        yield return Item(new Finding("tunnel-subnet-mismatch", Severity.Error, role.Name(),
            $"The client's tunnel address is not {wanted} in the server's tunnel subnet {c.Intent.Subnet}",
            "Each side only accepts packets from the other's tunnel address (AllowedIPs) and routes the subnet into the tunnel: two subnets never meet.",
            [.. ConfigLines.Evidence(config, config.Interface.SectionLine, "Address", "client"), .. ConfigLines.Evidence(server, server.Interface.SectionLine, "Address", "server")],
            $"Set the client's Address = {wanted}"),
            new SetConfigValue(role, null, "Address", wanted.ToString()), new RestartTunnel(role));
    }

    private static IEnumerable<DiagnosedFinding> PeerSection(Context c, TunnelRole role)
    {
        if (c.Config(role) is not { } config)
            yield break;
        var other = role.Other();
        var peer = c.PeerSection(role);
        if (peer is null)
        {
            yield return Item(new Finding("peer-missing", Severity.Error, role.Name(), $"No [Peer] for the {other.Name()} in {c.Wg}.conf",
                "WireGuard drops every packet from a key it does not know.",
                [$"{config.Path}: {config.Peers.Length} [Peer] section(s), none with the {other.Name()}'s key {Short(c.Intent.PublicKeyOf(other))}"],
                $"Add a [Peer] with the {other.Name()}'s public key by hand."));
            yield break;
        }

        var expectedKey = c.Intent.PublicKeyOf(other);
        if (expectedKey is not null && peer.PublicKey != expectedKey)
            yield return Item(new Finding("peer-key-mismatch", Severity.Error, role.Name(), $"The [Peer] key is not the {other.Name()}'s public key",
                "The handshake is authenticated with these keys: a wrong one means no handshake, silently.",
                [.. ConfigLines.Evidence(config, peer.SectionLine, "PublicKey"), $"the {other.Name()}'s {c.Wg} public key: {expectedKey}"],
                $"Set PublicKey = {expectedKey}"),
                new SetConfigValue(role, peer.SectionLine, "PublicKey", expectedKey), new RestartTunnel(role));

        var otherAddress = c.Intent.AddressOf(other).Address;
        if (!peer.AllowedIps.Any(n => n.Contains(otherAddress)))
        {
            var host = Prefixes.Network(otherAddress, otherAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            yield return Item(new Finding("peer-address-not-allowed", Severity.Error, role.Name(),
                $"The {other.Name()}'s tunnel address {otherAddress} is outside this side's AllowedIPs",
                "AllowedIPs is both the routing table and the source filter of WireGuard: packets to the peer's address never enter the tunnel, and packets from it are dropped.",
                [.. ConfigLines.Evidence(config, peer.SectionLine, "AllowedIPs"), $"the {other.Name()}'s tunnel address: {otherAddress}"],
                $"Set AllowedIPs = {host}"),
                new SetConfigValue(role, peer.SectionLine, "AllowedIPs", host.ToString()), new RestartTunnel(role));
        }

        if (role != TunnelRole.Client)
            yield break;
        var endpoint = peer.Endpoint;
        var resolved = endpoint is null ? null : ResolveEndpoint(endpoint, c.Snapshot(role));
        var wanted = c.Intent.Endpoint;
        if (resolved is { } r && r.Address.Equals(c.Intent.ServerUnderlayAddress) && r.Port == c.Intent.ListenPort)
            yield break;
        yield return Item(new Finding(endpoint is null ? "initiator-endpoint-missing" : "initiator-endpoint-wrong", Severity.Error, role.Name(),
            endpoint is null ? "The client does not know where to reach the server (no Endpoint)" : $"The client's Endpoint {endpoint} is not the server's {wanted}",
            "The initiator must send its handshake somewhere: the server's 6pn address and listen port. (The server needs none: it learns the client's from the handshake.)",
            [.. ConfigLines.Evidence(config, peer.SectionLine, "Endpoint"), $"the server's 6pn address {c.Intent.ServerUnderlayAddress}, ListenPort {c.Intent.ListenPort}"],
            $"Set Endpoint = {wanted}"),
            new SetConfigValue(role, peer.SectionLine, "Endpoint", wanted), new RestartTunnel(role));
    }

    // "[fdaa::2]:51820", "192.0.2.1:51820", or "name:51820" looked up in the machine's /etc/hosts.
    private static IPEndPoint? ResolveEndpoint(string endpoint, NetworkSnapshot snapshot)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture, out var port))
            return null;
        var host = endpoint[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
            return new IPEndPoint(address, port);
        var entry = snapshot.HostsFile.FirstOrDefault(h => h.Names.Contains(host, StringComparer.OrdinalIgnoreCase) && h.Address.AddressFamily == AddressFamily.InterNetworkV6)
            ?? snapshot.HostsFile.FirstOrDefault(h => h.Names.Contains(host, StringComparer.OrdinalIgnoreCase));
        return entry is null ? null : new IPEndPoint(entry.Address, port);
    }

    private static IEnumerable<DiagnosedFinding> ListenPort(Context c)
    {
        if (c.Config(TunnelRole.Server) is not { } config || config.Interface.ListenPort is not null)
            yield break;
        yield return Item(new Finding("responder-listen-port-missing", Severity.Error, "server", "The server sets no ListenPort",
            "Without one wg picks a random port at every start, so no client Endpoint can name it.",
            [.. ConfigLines.Evidence(config, config.Interface.SectionLine, "ListenPort")],
            $"Set ListenPort = {c.Intent.ListenPort}"),
            new SetConfigValue(TunnelRole.Server, null, "ListenPort", c.Intent.ListenPort.ToString(CultureInfo.InvariantCulture)), new RestartTunnel(TunnelRole.Server));
    }

    private static IEnumerable<DiagnosedFinding> Mtu(Context c, TunnelRole role)
    {
        if (c.Config(role) is not { } config)
            yield break;
        var mtu = config.Interface.Mtu ?? c.Snapshot(role).Link(c.Wg)?.Mtu;
        var otherMtu = c.Config(role.Other())?.Interface.Mtu ?? c.Snapshot(role.Other()).Link(c.Wg)?.Mtu;
        if (mtu is null)
            yield break;
        var underlay = c.Underlay(role)!;
        var evidence = ConfigLines.Evidence(config, config.Interface.SectionLine, "MTU")
            .Append($"{underlay.Link.Name} MTU {underlay.Link.Mtu} on {c.Snapshot(role).Hostname}; the smaller underlay MTU of the two, minus {c.Settings.Overhead}, is {c.Intent.Mtu}");
        if (mtu > c.Intent.Mtu)
            yield return Item(new Finding("tunnel-mtu-too-large", Severity.Error, role.Name(), $"{c.Wg} MTU {mtu} does not fit the underlay (at most {c.Intent.Mtu})",
                "Full-size tunnel packets become UDP datagrams larger than the underlay carries: they are fragmented, and networks that drop IPv6 fragments (Fly's 6pn does) lose them, so small pings work while real transfers stall.",
                [.. evidence], $"Set MTU = {c.Intent.Mtu} on both sides"),
                new SetConfigValue(role, null, "MTU", c.Intent.Mtu.ToString(CultureInfo.InvariantCulture)), new RestartTunnel(role));
        else if (otherMtu is not null && otherMtu != mtu && mtu != c.Intent.Mtu)
            yield return Item(new Finding("tunnel-mtu-mismatch", Severity.Warning, role.Name(), $"{c.Wg} MTU {mtu} differs from the {role.Other().Name()}'s {otherMtu}",
                "The two ends of one link should agree on its MTU, or TCP's MSS and path-MTU discovery work from the wrong figure in one direction.",
                [.. evidence], $"Set MTU = {c.Intent.Mtu} on both sides"),
                new SetConfigValue(role, null, "MTU", c.Intent.Mtu.ToString(CultureInfo.InvariantCulture)), new RestartTunnel(role));
    }

    private static IEnumerable<DiagnosedFinding> EchoAnswered(Context c, TunnelRole role)
    {
        var family = c.Intent.ServerAddress.Address.AddressFamily;
        var name = family == AddressFamily.InterNetwork ? "net.ipv4.icmp_echo_ignore_all" : "net.ipv6.icmp.echo_ignore_all";
        var snapshot = c.Snapshot(role);
        var runtime = snapshot.Sysctl(name);
        var persisted = snapshot.SysctlFiles.LastOrDefault(s => s.Name == name);
        if (runtime is not "1" && persisted?.Value is not "1")
            yield break;
        yield return Item(new Finding("icmp-echo-ignored", Severity.Error, role.Name(),
            runtime == "1" ? $"The {role.Name()} ignores every ping ({name} = 1)" : $"The {role.Name()} will ignore pings after a reboot ({persisted!.Path} sets {name} = 1)",
            "Ping through the tunnel is how the challenge (and anyone on call) tells a dead tunnel from a dead service; with echo ignored, a working tunnel looks down.",
            [$"sysctl {name} = {runtime ?? "(not captured)"}", .. persisted is null ? [] : new[] { $"{persisted.Path}:{persisted.Line}: {persisted.Name} = {persisted.Value}" }],
            $"sysctl -w {name}=0, and persist it"),
            new SetSysctl(role, name, "0"));
    }

    private static IEnumerable<DiagnosedFinding> Routing(Context c, TunnelRole role)
    {
        var snapshot = c.Snapshot(role);
        var reported = new HashSet<Route>();
        var peerAddress = c.Intent.AddressOf(role.Other()).Address;
        var decision = RouteLookup.Lookup(snapshot, peerAddress);
        if (decision.Device != c.Wg && snapshot.Link(c.Wg) is not null)
        {
            var remedies = decision.Route is { } route && route.Protocol != "kernel" ? new Remedy[] { new DeleteRoute(role, route) } : [];
            if (decision.Route is { } r)
                reported.Add(r);
            yield return Item(new Finding("tunnel-peer-not-routed-via-wg", Severity.Error, role.Name(),
                $"Traffic to the {role.Other().Name()}'s tunnel address {peerAddress} goes {(decision.Device is null ? "nowhere" : $"out of {decision.Device}")}, not {c.Wg}",
                "A more specific or earlier route sends the tunnel's traffic around WireGuard, where nothing answers it.",
                [.. decision.Evidence],
                remedies.Length > 0 ? "Delete that route" : "Fix the addressing findings; the kernel route follows the address"), remedies);
        }

        foreach (var route in RouteLookup.RoutesAround(snapshot, c.Intent.Subnet, c.Wg).Where(r => !reported.Contains(r) && r.Protocol != "kernel"))
        {
            reported.Add(route);
            yield return Item(new Finding("stray-tunnel-route", Severity.Warning, role.Name(), $"A route sends part of the tunnel subnet {c.Intent.Subnet} out of {route.Device ?? route.Type}",
                "It loses to the tunnel's more specific routes today, but takes over as soon as they go (wg-quick down, an AllowedIPs change).",
                [$"ip route: {route.Text}"], "Delete the route"), new DeleteRoute(role, route));
        }

        var own = snapshot.Links.SelectMany(l => l.Addresses).Select(a => a.Address).ToHashSet();
        foreach (var route in snapshot.Routes.Where(r => r.Gateway is not null && own.Contains(r.Gateway) && !reported.Contains(r)))
        {
            reported.Add(route);
            yield return Item(new Finding("route-via-own-address", Severity.Warning, role.Name(), $"A route to {route.Destination} uses the machine's own address {route.Gateway} as gateway",
                "A gateway is another machine; a route through your own address sends the packets out to nobody (or back to yourself). It is left over from a mistake, and it catches traffic as soon as a more specific route goes.",
                [$"ip route: {route.Text}"], "Delete the route"), new DeleteRoute(role, route));
        }
    }

    private static IEnumerable<DiagnosedFinding> Service(Context c)
    {
        var server = c.Snapshot(TunnelRole.Server);
        var port = c.Settings.ServicePort;
        var tunnelAddress = c.Intent.ServerAddress.Address;
        var listeners = server.Listeners.Where(l => l.Protocol == "tcp" && l.Port == port).ToList();
        var onTunnel = listeners.Any(l => l.Address.Equals(tunnelAddress)
            || (l.Address.Equals(IPAddress.Any) && tunnelAddress.AddressFamily == AddressFamily.InterNetwork)
            || (l.Address.Equals(IPAddress.IPv6Any) && (tunnelAddress.AddressFamily == AddressFamily.InterNetworkV6 || l.DualStack)));
        if (!onTunnel)
        {
            // What listens instead: on the port, elsewhere; else every TCP listener, so a service moved to another
            // port or started under another name shows.
            var instead = listeners.Count > 0 ? listeners : [.. server.Listeners.Where(l => l.Protocol == "tcp")];
            yield return Item(new Finding("service-not-listening-on-tunnel", Severity.Error, "server",
                listeners.Count == 0 ? $"Nothing listens on TCP {port}" : $"TCP {port} listens only on {string.Join(", ", listeners.Select(l => l.Address).Distinct())}, not where the tunnel reaches ({tunnelAddress})",
                "The service must listen on the tunnel address or on all addresses for HTTP over WireGuard to connect. The runbook does not know how this machine starts it, so it does not restart it.",
                [.. listeners.Count == 0 ? [$"ss -lnt: nothing on port {port}; listening instead:"] : Array.Empty<string>(),
                 .. instead.Take(8).Select(l => $"ss -lnt: {(l.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{l.Address}]" : l.Address.ToString())}:{l.Port} {l.Process}{(l.ProcessId is { } pid ? $" (pid {pid})" : "")}")],
                "Start the service so it listens on the tunnel address or on all addresses."));
        }

        if (c.Underlay(TunnelRole.Server) is not { } underlay)
            yield break;
        var exposed = listeners.Any(l => l.Address.Equals(IPAddress.IPv6Any) || l.Address.Equals(underlay.Address));
        var underlayPacket = Packet.In(underlay.Address.AddressFamily, "tcp", port, underlay.Link.Name);
        if (!exposed || PacketFilter.Evaluate(server.Firewall, underlayPacket).Dropped)
            yield break;
        yield return Item(new Finding("service-open-on-underlay", Severity.Error, "server", $"TCP {port} is reachable over 6pn ({underlay.Link.Name}), not only through the tunnel",
            "The service is meant to be reached only through WireGuard; on 6pn every machine of the organisation can reach it, unencrypted.",
            [.. listeners.Select(l => $"ss -lnt: [{l.Address}]:{l.Port} {l.Process}"), $"{underlayPacket}: accepted (no rule drops it)"],
            $"ip6tables -I INPUT -i {underlay.Link.Name} -p tcp --dport {port} -j DROP"),
            new InsertFirewallRule(TunnelRole.Server, "ip6tables", "INPUT", $"-i {underlay.Link.Name} -p tcp --dport {port} -j DROP", underlayPacket, Drop: true));
    }

    private static string Short(string? key) => key is null ? "(none)" : key.Length > 10 ? key[..10] + "…" : key;
}
