using System.Collections.Immutable;
using System.Globalization;
using System.Net.Sockets;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Network.Checks;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Fixes;

/// <summary>
/// Turns a diagnosis into an ordered plan. Per machine (server first: the client's handshake needs a
/// server that answers): firewall, sysctls, routes, then one rewrite of wg0.conf with every config edit,
/// then one restart through wg-quick, the same way the challenge's test resets the interface, so what is
/// verified is what survives the next reset. Each step's precondition re-reads fresh state, so the plan
/// of a healthy pair is empty and a plan interrupted half-way is finished by running it again.
/// </summary>
public static class NetworkFixPlanner
{
    /// <summary>Where a sysctl is persisted when no file sets it yet.</summary>
    public const string SysctlFile = "/etc/sysctl.d/90-runbook-network.conf";

    public static ImmutableArray<FixStep<TunnelState>> Plan(NetworkDiagnosis diagnosis, TunnelState state, TunnelSettings? settings = null)
    {
        settings ??= new TunnelSettings();
        var steps = new List<FixStep<TunnelState>>();
        foreach (var role in new[] { TunnelRole.Server, TunnelRole.Client })
        {
            var mine = diagnosis.Items.SelectMany(i => i.Remedies.Where(r => r.Role == role).Select(r => (Remedy: r, i.Finding))).ToList();
            string Why(Remedy remedy) => string.Join("; ", mine.Where(m => m.Remedy.Equals(remedy)).Select(m => m.Finding.Title).Distinct());
            // A step clears the findings whose remedies it carries out, so a finding still open afterwards names it.
            FixStep<TunnelState> Clearing(FixStep<TunnelState> step, Func<Remedy, bool> carriedOut) =>
                step with { Clears = [.. mine.Where(m => carriedOut(m.Remedy)).Select(m => OpenFinding.Key(m.Finding)).Distinct()] };

            foreach (var remedy in mine.Select(m => m.Remedy).Distinct())
            {
                var step = remedy switch
                {
                    DeleteFirewallRule d => DeleteRule(d, Why(d)),
                    DeleteNftRule d => DeleteNft(d, Why(d)),
                    InsertFirewallRule i => Insert(i, Why(i)),
                    InsertNftRule i => InsertNft(i, Why(i)),
                    _ => null,
                };
                if (step is not null)
                    steps.Add(Clearing(step, r => r.Equals(remedy)));
            }
            foreach (var sysctl in mine.Select(m => m.Remedy).OfType<SetSysctl>().Distinct())
                steps.Add(Clearing(Sysctl(sysctl, state.Of(role), Why(sysctl)), r => r.Equals(sysctl)));
            foreach (var route in mine.Select(m => m.Remedy).OfType<DeleteRoute>().Distinct())
                steps.Add(Clearing(RouteDeletion(route, Why(route)), r => r.Equals(route)));

            var edits = mine.Where(m => m.Remedy is SetConfigValue).ToList();
            if (edits.Count > 0 && state.Of(role).WireGuardConfig(settings.Interface) is { } config)
                steps.Add(Clearing(ConfigRewrite(role, config, edits.Select(e => ((SetConfigValue)e.Remedy, e.Finding)).ToList(), settings), r => r is SetConfigValue));
            var restart = mine.Where(m => m.Remedy is RestartTunnel).Select(m => m.Finding.Title).Distinct().ToList();
            if (restart.Count > 0)
                steps.Add(Clearing(Restart(role, settings, steps.LastOrDefault(s => s.Id == $"{role.Name()}-rewrite-{settings.Interface}-conf"), string.Join("; ", restart)), r => r is RestartTunnel));
        }
        return [.. steps];
    }

    private static FixStep<TunnelState> DeleteRule(DeleteFirewallRule d, string why)
    {
        var r = d.Rule;
        bool Present(TunnelState s) => s.Of(d.Role).Firewall.Rules.Any(x => x.Backend == r.Backend && x.Family == r.Family && x.Table == r.Table && x.Chain == r.Chain && x.Specification == r.Specification);
        var command = HostCommand.Shell($"{r.Tool} -w -t {r.Table} -D {r.Chain} {r.Specification}").WithDescription($"{r.Tool} -t {r.Table} -D {r.Chain} {r.Specification}");
        return new(Id(d.Role, $"delete-{r.Tool}-{r.Chain}-{r.Position}"), d.Role.Name(), $"Delete `{r.Text}`", why,
            Present, [command], s => !Present(s), $"{r.Tool} -S {r.Chain} no longer lists the rule");
    }

    private static FixStep<TunnelState> DeleteNft(DeleteNftRule d, string why)
    {
        var r = d.Rule;
        bool Present(TunnelState s) => s.Of(d.Role).Firewall.NftRules.Any(x => x.Family == r.Family && x.Table == r.Table && x.Chain == r.Chain && x.Handle == r.Handle);
        return new(Id(d.Role, $"delete-nft-{r.Table}-{r.Chain}-{r.Handle}"), d.Role.Name(), $"Delete nft rule `{r.Text}`", why,
            Present, [HostCommand.Exec("nft", "delete", "rule", r.Family, r.Table, r.Chain, "handle", r.Handle.ToString(CultureInfo.InvariantCulture)).WithDescription($"nft delete rule {r.Family} {r.Table} {r.Chain} handle {r.Handle}")],
            s => !Present(s), "nft no longer lists the rule");
    }

    // Done by effect, read from the packet filter model on fresh state: the packet dropped (a block), or no longer
    // dropped by the policy of this chain (an accept). A rule of ours that something earlier overrides is no fix.
    private static FixStep<TunnelState> Insert(InsertFirewallRule i, string why)
    {
        var family = i.Tool.StartsWith("ip6", StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var backend = i.Tool.EndsWith("-legacy", StringComparison.Ordinal) ? FirewallBackend.Legacy : FirewallBackend.Nft;
        var verdict = (TunnelState s) => PacketFilter.Evaluate(s.Of(i.Role).Firewall, i.Packet);
        bool Done(TunnelState s) => i.Drop
            ? verdict(s).Dropped
            : !verdict(s).DroppingPolicies.Any(p => p.Backend == backend && p.Family == family && p.Table == i.Table && p.Chain == i.Chain);
        var table = i.Table == "filter" ? "" : $" -t {i.Table}";
        var words = i.Specification.Split(' ');
        string? Arg(string flag) => Array.IndexOf(words, flag) is var n and >= 0 && n + 1 < words.Length ? words[n + 1] : null;
        var ports = string.Join('-', new[] { Arg("--dport"), Arg("--sport") }.OfType<string>());
        return new(Id(i.Role, $"insert-{i.Tool}{(i.Table == "filter" ? "" : "-" + i.Table)}-{i.Chain}-{Arg("-p")}-{ports}-{Arg("-j")?.ToLowerInvariant()}"), i.Role.Name(),
            $"Insert `{i.Tool}{table} -I {i.Chain} 1 {i.Specification}`", why,
            s => !Done(s), [HostCommand.Shell($"{i.Tool} -w{table} -I {i.Chain} 1 {i.Specification}")], Done,
            i.Drop ? $"the filter model drops {i.Packet}" : $"the filter model no longer drops {i.Packet} by the {i.Chain} policy");
    }

    private static FixStep<TunnelState> InsertNft(InsertNftRule i, string why)
    {
        var c = i.Chain;
        bool Done(TunnelState s) => !PacketFilter.Evaluate(s.Of(i.Role).Firewall, i.Packet).DroppingNftChains.Any(x => x.Family == c.Family && x.Table == c.Table && x.Name == c.Name);
        var line = $"nft insert rule {c.Family} {c.Table} {c.Name} {i.Rule}";
        return new(Id(i.Role, $"insert-nft-{c.Table}-{c.Name}-{i.Packet.Protocol}-{i.Packet.Hook}-{i.Packet.DestinationPort ?? i.Packet.SourcePort}"), i.Role.Name(),
            $"Insert `{line}`", why, s => !Done(s), [HostCommand.Shell(line)], Done, $"the filter model no longer drops {i.Packet} by the policy of {c.Family} {c.Table} {c.Name}");
    }

    private static FixStep<TunnelState> Sysctl(SetSysctl set, NetworkSnapshot snapshot, string why)
    {
        bool Holds(TunnelState s) =>
            s.Of(set.Role).Sysctl(set.Name) == set.Value
            && s.Of(set.Role).SysctlFiles.LastOrDefault(f => f.Name == set.Name)?.Value == set.Value;
        var commands = new List<HostCommand> { HostCommand.Exec("sysctl", "-w", $"{set.Name}={set.Value}").WithDescription($"sysctl -w {set.Name}={set.Value}") };
        // Change a wrong value where it is written (a file later in sysctl's order would beat a new one); write
        // a file of our own only when no file sets it.
        var written = snapshot.SysctlFiles.Where(f => f.Name == set.Name).ToList();
        foreach (var wrong in written.Where(f => f.Value != set.Value))
            commands.Add(HostCommand.Exec("sed", "-i", $"{wrong.Line}s/.*/{set.Name} = {set.Value}/", wrong.Path).WithDescription($"sed -i '{wrong.Line}s/.*/{set.Name} = {set.Value}/' {wrong.Path}"));
        if (written.Count == 0)
            commands.Add(HostCommand.Shell($"mkdir -p /etc/sysctl.d && printf '%s = %s\\n' {ShellQuote.Quote(set.Name)} {ShellQuote.Quote(set.Value)} >> {SysctlFile}")
                .WithDescription($"echo '{set.Name} = {set.Value}' >> {SysctlFile}"));
        return new(Id(set.Role, $"sysctl-{set.Name}"), set.Role.Name(), $"Set {set.Name} = {set.Value}, now and at boot", why,
            s => !Holds(s), [.. commands], Holds, $"sysctl {set.Name} and the last file setting it both say {set.Value}");
    }

    private static FixStep<TunnelState> RouteDeletion(DeleteRoute d, string why)
    {
        var r = d.Route;
        bool Present(TunnelState s) => s.Of(d.Role).Routes.Any(x => x.Family == r.Family && x.Table == r.Table && x.Destination == r.Destination && Equals(x.Gateway, r.Gateway) && x.Device == r.Device && x.Type == r.Type);
        var arguments = new List<string> { r.Family == AddressFamily.InterNetworkV6 ? "-6" : "-4", "route", "del" };
        if (r.Type != "unicast")
            arguments.Add(r.Type);
        arguments.Add(r.Destination.ToString());
        if (r.Gateway is not null)
            arguments.AddRange(["via", r.Gateway.ToString()]);
        if (r.Device is not null)
            arguments.AddRange(["dev", r.Device]);
        arguments.AddRange(["table", r.Table]);
        return new(Id(d.Role, $"delete-route-{r.Destination}-{r.Device}".Replace('/', '_')), d.Role.Name(), $"Delete the route `{r.Text}`", why,
            Present, [HostCommand.Exec("ip", arguments).WithDescription("ip " + string.Join(' ', arguments))], s => !Present(s), "ip route no longer lists it");
    }

    private static FixStep<TunnelState> ConfigRewrite(TunnelRole role, WireGuardConfig config, IReadOnlyList<(SetConfigValue Set, Finding Finding)> sets, TunnelSettings settings)
    {
        var edits = sets.Select(s => new ConfigEdit(s.Set.PeerSectionLine is { } line ? PeerIndex(config, line) : null, s.Set.Key, s.Set.Value)).Distinct().ToList();
        var after = WireGuardConfigEditor.Apply(config.Lines, edits);
        bool Holds(TunnelState s) => s.Of(role).WireGuardConfig(settings.Interface) is { } c && edits.All(e => WireGuardConfigEditor.Holds(c.Lines, e));
        bool Unchanged(TunnelState s) => s.Of(role).WireGuardConfig(settings.Interface) is { } c && c.Lines.SequenceEqual(config.Lines);
        var write = HostCommand.Shell(WriteScript(config.Path))
            .WithStandardInput(string.Join('\n', after) + "\n")
            .WithDescription($"rewrite {config.Path}: {string.Join("; ", edits)} (private key kept on the machine; original saved as {config.Path}.runbook.orig)");
        return new(Id(role, $"rewrite-{settings.Interface}-conf"), role.Name(), $"Rewrite {config.Path}: {string.Join("; ", edits.Select(e => $"{e.Key} = {e.Value}"))}",
            string.Join("; ", sets.Select(s => s.Finding.Title).Distinct()),
            // Only over the file as captured: if someone changed it since, re-diagnose rather than overwrite their edit.
            s => !Holds(s) && Unchanged(s), [write], Holds, "the re-captured file has every edited key once, with the new value",
            WireGuardConfigEditor.Diff(config.Path, config.Lines, after));
    }

    private static int PeerIndex(WireGuardConfig config, int sectionLine)
    {
        var index = config.Peers.Select(p => p.SectionLine).ToList().IndexOf(sectionLine);
        return index >= 0 ? index : throw new ArgumentException($"{config.Path} has no [Peer] on line {sectionLine}", nameof(sectionLine));
    }

    // The file arrives on stdin with the PrivateKey line as captured (a placeholder): the real line is taken
    // from the file on the machine, so the key never crosses the wire. The write is atomic (rename) and keeps
    // the first original next to it.
    private static string WriteScript(string path) => $$"""
        set -e
        f={{ShellQuote.Quote(path)}}
        key=$(grep -i -m1 '^[[:space:]]*privatekey[[:space:]]*=' "$f" || true)
        [ -n "$key" ] || { echo "$f has no PrivateKey line: not rewriting it" >&2; exit 1; }
        tmp="$f.runbook.$$"
        umask 077
        while IFS= read -r line || [ -n "$line" ]; do
          t=${line#"${line%%[![:space:]]*}"}
          case "$t" in
            [Pp][Rr][Ii][Vv][Aa][Tt][Ee][Kk][Ee][Yy]*) printf '%s\n' "$key" ;;
            *) printf '%s\n' "$line" ;;
          esac
        done > "$tmp"
        [ -e "$f.runbook.orig" ] || cp -p "$f" "$f.runbook.orig"
        mv "$tmp" "$f"
        """;

    private static FixStep<TunnelState> Restart(TunnelRole role, TunnelSettings settings, FixStep<TunnelState>? rewrite, string why)
    {
        var wg = settings.Interface;
        bool Healthy(TunnelState s)
        {
            var snapshot = s.Of(role);
            return snapshot.WireGuardConfig(wg) is { } config && snapshot.Link(wg) is { IsUp: true } link && snapshot.WireGuardInterface(wg) is { } running
                && WireGuardDrift.Compare(config, link, running).Count == 0;
        }
        return new(Id(role, $"restart-{wg}"), role.Name(), $"Restart {wg} from its config (wg-quick down {wg}; wg-quick up {wg})", why,
            s => !Healthy(s) || (rewrite?.Precondition(s) ?? false),
            [HostCommand.Shell($"wg-quick down {wg} 2>/dev/null || true; wg-quick up {wg}").WithDescription($"wg-quick down {wg}; wg-quick up {wg}").WithTimeout(TimeSpan.FromSeconds(30))],
            Healthy, $"{wg} is up and matches {wg}.conf (addresses, MTU, port, peers)");
    }

    private static string Id(TunnelRole role, string what) => $"{role.Name()}-{what}".ToLowerInvariant();
}
