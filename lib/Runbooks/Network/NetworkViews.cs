using System.Globalization;
using System.Net.Sockets;
using Runbooks.Checks;
using Runbooks.Network.Checks;
using Runbooks.Network.Snapshot;
using Runbooks.Reports;

namespace Runbooks.Network;

/// <summary>The views of the network runbook: what an engineer would look at, as HTML tables for the executed notebook.</summary>
public static class NetworkViews
{
    public static string Interfaces(TunnelState state) => HtmlTable.Render(
        ["machine", "interface", "kind", "MTU", "state", "addresses"],
        Both(state).SelectMany(m => m.Snapshot.Links.Where(l => l.Name != "lo").Select(l => Row(
            m.Role, l.Name, l.Kind ?? l.LinkType, l.Mtu.ToString(CultureInfo.InvariantCulture), l.IsUp ? $"up ({l.OperationalState})" : "DOWN",
            string.Join("\n", l.Addresses.Select(a => $"{a} {a.Scope}"))))));

    public static string WireGuard(TunnelState state) => HtmlTable.Render(
        ["machine", "interface", "listen port", "peer", "endpoint", "allowed IPs", "latest handshake", "rx / tx bytes"],
        Both(state).SelectMany(m => m.Snapshot.WireGuard.SelectMany(w => w.Peers.IsEmpty
            ? [Row(m.Role, w.Name, Port(w.ListenPort), "(no peers)", "", "", "", "")]
            : w.Peers.Select(p => Row(m.Role, w.Name, Port(w.ListenPort), p.PublicKey, p.Endpoint ?? "(none)", string.Join(", ", p.AllowedIps),
                p.LatestHandshake?.ToString("u", CultureInfo.InvariantCulture) ?? "never", $"{p.ReceivedBytes} / {p.SentBytes}")))));

    /// <summary>The wg-quick files as captured: the private key never left the machine, only its public key is shown.</summary>
    public static string Configs(TunnelState state) => string.Concat(Both(state).SelectMany(m => m.Snapshot.WireGuardConfigs.Select(c =>
        HtmlTable.Preformatted(string.Join("\n", c.Lines.Select((l, i) => $"{i + 1,3}  {l}")), $"{m.Role}: {c.Path}"))));

    public static string Routes(TunnelState state) => HtmlTable.Render(
        ["machine", "family", "table", "route"],
        Both(state).SelectMany(m => m.Snapshot.Routes.Where(r => r.Table != "local" && r.Type is not "broadcast" and not "multicast" && !(r.Family == AddressFamily.InterNetworkV6 && r.Destination.BaseAddress.IsIPv6LinkLocal))
            .Select(r => Row(m.Role, r.Family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4", r.Table, r.Text)))
            .Concat(Both(state).SelectMany(m => m.Snapshot.Rules.Where(r => r.Priority is not 0 and not 32766 and not 32767).Select(r => Row(m.Role, r.Family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4", "rule", r.Text)))));

    public static string Firewall(TunnelState state) => HtmlTable.Render(
        ["machine", "seen through", "table", "chain", "rule"],
        Both(state).SelectMany(m => m.Snapshot.Firewall.Chains.Where(c => c.Policy is not null and not "ACCEPT").Select(c => Row(m.Role, Tool(c.Family, c.Backend), c.Table, c.Chain, $"policy {c.Policy}"))
            .Concat(m.Snapshot.Firewall.Rules.Select(r => Row(m.Role, r.Tool, r.Table, r.Chain, $"-A {r.Chain} {r.Specification}")))
            .Concat(m.Snapshot.Firewall.NftRules.Select(r => Row(m.Role, "nft", $"{r.Family} {r.Table}", r.Chain, r.Text)))));

    public static string Sysctls(TunnelState state, params string[] names) => HtmlTable.Render(
        ["machine", "sysctl", "running", "persisted"],
        Both(state).SelectMany(m => (names.Length > 0 ? names.AsEnumerable() : m.Snapshot.Sysctls.Keys.Order()).Select(n => Row(m.Role, n, m.Snapshot.Sysctl(n) ?? "(not captured)",
            string.Join("\n", m.Snapshot.SysctlFiles.Where(f => f.Name == n).Select(f => $"{f.Path}:{f.Line}: {f.Value}"))))));

    public static string Listeners(TunnelState state) => HtmlTable.Render(
        ["machine", "protocol", "address", "port", "process"],
        Both(state).SelectMany(m => m.Snapshot.Listeners.Select(l => Row(m.Role, l.Protocol, l.Address + (l.Interface is null ? "" : $"%{l.Interface}"), Port(l.Port), l.Process is null ? null : $"{l.Process} (pid {l.ProcessId})"))));

    public static string Findings(IEnumerable<Finding> findings) => CheckViews.Findings(findings);

    public static string Steps(IEnumerable<StepResult> steps) => CheckViews.Steps(steps);

    public static string Probes(ProbeReport probes) => HtmlTable.Render(
        ["probe", "wanted", "outcome", "command", "output"],
        probes.All.Select(p => Row(p.Name, p.Name == "http-over-6pn" ? "fails (blocked)" : "succeeds", p.Wanted ? "as wanted" : "NOT as wanted", p.Command, $"{p.Output}\n(exit {p.ExitCode})")));

    private static IEnumerable<(string Role, NetworkSnapshot Snapshot)> Both(TunnelState state) =>
        [($"server ({state.Server.Hostname})", state.Server), ($"client ({state.Client.Hostname})", state.Client)];

    private static string?[] Row(params string?[] cells) => cells;

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Tool(AddressFamily family, FirewallBackend backend) =>
        (family == AddressFamily.InterNetworkV6 ? "ip6tables" : "iptables") + (backend == FirewallBackend.Legacy ? "-legacy" : "");
}
