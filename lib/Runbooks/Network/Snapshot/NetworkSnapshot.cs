using Runbooks.Capture;
using System.Collections.Immutable;

namespace Runbooks.Network.Snapshot;

/// <summary>
/// One machine's network state, captured in one round trip (<see cref="NetworkCapture"/>). Everything the
/// checks reason about is here, typed; what a section could not capture (a missing tool, a permission) is in
/// <see cref="Problems"/> rather than an exception, so one broken tool does not hide the rest of the machine.
/// </summary>
/// <param name="Host">The name the machine was reached by (profile host, ssh target).</param>
/// <param name="Hostname">What the machine calls itself (<c>uname -n</c>).</param>
/// <param name="Links">Interfaces with their addresses (<c>ip -j -d addr</c>).</param>
/// <param name="Routes">Routes of every table, IPv4 and IPv6 (<c>ip -j route show table all</c>).</param>
/// <param name="Rules">Policy routing rules, IPv4 and IPv6 (<c>ip -j rule</c>).</param>
/// <param name="WireGuard">Running WireGuard interfaces (<c>wg show all dump</c>; private keys never leave the machine).</param>
/// <param name="WireGuardConfigs">wg-quick config files under /etc/wireguard (private keys replaced on the machine by their public key).</param>
/// <param name="Firewall">iptables/ip6tables rules of both backends and the nft ruleset.</param>
/// <param name="Sysctls">Runtime values of the network sysctls that matter here, by dotted name.</param>
/// <param name="SysctlFiles">Sysctl settings persisted in /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d,
/// /usr/lib/sysctl.d, /lib/sysctl.d (*.conf) and /etc/sysctl.conf, in the order <c>sysctl --system</c> applies them:
/// the last setting of a name wins.</param>
/// <param name="Listeners">Listening TCP and UDP sockets (<c>ss -lntup</c>).</param>
/// <param name="HostsFile">/etc/hosts entries.</param>
/// <param name="Problems">Sections that could not be captured, each naming the command and what it said.</param>
public sealed record NetworkSnapshot(
    string Host,
    string Hostname,
    DateTimeOffset CapturedAt,
    ImmutableArray<NetworkLink> Links,
    ImmutableArray<Route> Routes,
    ImmutableArray<RoutingRule> Rules,
    ImmutableArray<WireGuardInterface> WireGuard,
    ImmutableArray<WireGuardConfig> WireGuardConfigs,
    FirewallState Firewall,
    ImmutableDictionary<string, string> Sysctls,
    ImmutableArray<SysctlSetting> SysctlFiles,
    ImmutableArray<ListeningSocket> Listeners,
    ImmutableArray<HostsEntry> HostsFile,
    ImmutableArray<CaptureProblem> Problems)
{
    public NetworkLink? Link(string name) => Links.FirstOrDefault(l => l.Name == name);

    public WireGuardInterface? WireGuardInterface(string name) => WireGuard.FirstOrDefault(w => w.Name == name);

    public WireGuardConfig? WireGuardConfig(string interfaceName) => WireGuardConfigs.FirstOrDefault(c => c.InterfaceName == interfaceName);

    public string? Sysctl(string name) => Sysctls.TryGetValue(name, out var value) ? value : null;
}
