using System.Collections.Immutable;
using System.Net.Sockets;
using Runbooks.Capture;
using Runbooks.Hosts;

namespace Runbooks.Network.Snapshot;

/// <summary>
/// Captures a machine's network state with ONE command: a POSIX shell script that prints every section (addresses,
/// routes, rules, WireGuard, firewall, sysctls, listeners, /etc/hosts) between marker lines, then parses it into a
/// <see cref="NetworkSnapshot"/>.
/// </summary>
/// <remarks>
/// <para>Output format. The first line is <c>runbooks-network-capture 1 TOKEN</c>, TOKEN being 128 random bits
/// drawn for each capture. Each section is then</para>
/// <code>
/// TOKEN begin NAME
/// …the command's stdout, byte for byte…
/// TOKEN stderr NAME
/// …its stderr…
/// TOKEN end EXITCODE NAME
/// </code>
/// <para>and the last line is <c>TOKEN done</c>. A newline is printed before the stderr and end markers, so a marker
/// always starts a line even after output without a final newline; the parser takes exactly that newline off again.
/// No command can print the token by accident (it is new every time and printed by nothing but the script), so
/// nothing in a section can pass for a marker.</para>
/// <para>Secrets stay on the machine. The script replaces each wg-quick config's PrivateKey value by
/// "(not captured; public key …)", derived there with <c>wg pubkey</c> (the key travels from the shell's own
/// printf through a pipe, never through a process's arguments), and each PresharedKey value by "(not captured)";
/// any other line holding a key-shaped value loses that value. <c>wg show all dump</c> passes through a filter that
/// prints the private and preshared key fields as "(hidden)" and withholds any line of unexpected shape.</para>
/// <para>Failures. A section whose command is missing (exit 127, "… command not found"), fails, or prints what its
/// parser cannot read becomes a <see cref="CaptureProblem"/> and the rest of the snapshot is still filled in. Only a
/// host that cannot be reached (or a command that cannot be started) throws.</para>
/// </remarks>
public static class NetworkCapture
{
    /// <summary>The host stops the capture after this long; it normally takes well under a second.</summary>
    public static TimeSpan RemoteTimeout { get; } = TimeSpan.FromSeconds(20);

    /// <summary>Gives control back even when the connection hangs and the host's own timeout cannot report.</summary>
    public static TimeSpan LocalTimeout { get; } = TimeSpan.FromSeconds(30);

    private static readonly ImmutableArray<CaptureSection> s_sections =
    [
        new("hostname", "uname", "uname -n"),
        new("addr", "ip", "ip -j -d addr"),
        new("route4", "ip", "ip -j -4 route show table all"),
        new("route6", "ip", "ip -j -6 route show table all"),
        new("rule4", "ip", "ip -j -4 rule"),
        new("rule6", "ip", "ip -j -6 rule"),
        new("wg-dump", "wg", "rb_wg_dump", "wg show all dump (keys withheld on the machine)", Then: WireGuardConfigLoop),
        new("iptables-save", "iptables-save", "iptables-save"),
        new("ip6tables-save", "ip6tables-save", "ip6tables-save"),
        new("iptables-legacy-save", "iptables-legacy-save", "iptables-legacy-save"),
        new("ip6tables-legacy-save", "ip6tables-legacy-save", "ip6tables-legacy-save"),
        new("nft", "nft", "nft -j list ruleset"),
        new("sysctl", "head", "rb_sysctl", "head -v -n 1 /proc/sys/net/… (the network sysctls)",
            Then: "rb_sysctl_files | while IFS= read -r rb_f; do rb \"sysctl-file $rb_f\" cat cat \"$rb_f\"; done\n"),
        new("listeners", "ss", "ss -H -lntup"),
        new("hosts", "cat", "cat /etc/hosts"),
    ];

    private static readonly SectionedCapture s_capture = new("network", s_sections,
        Helpers.Replace("@KEY@", string.Concat(Enumerable.Repeat("[A-Za-z0-9+/]", 42)) + "[AEIMQUYcgkosw048]=", StringComparison.Ordinal),
        section => section.StartsWith("wg-config ", StringComparison.Ordinal) ? $"read {section["wg-config ".Length..]} (keys withheld on the machine)"
            : section.StartsWith("sysctl-file ", StringComparison.Ordinal) ? $"cat {section["sysctl-file ".Length..]}"
            : section == "wg-configs" ? "ls /etc/wireguard"
            : null);

    private static readonly ImmutableArray<(string Section, AddressFamily Family, FirewallBackend Expected)> s_iptablesViews =
    [
        ("iptables-save", AddressFamily.InterNetwork, FirewallBackend.Nft),
        ("ip6tables-save", AddressFamily.InterNetworkV6, FirewallBackend.Nft),
        ("iptables-legacy-save", AddressFamily.InterNetwork, FirewallBackend.Legacy),
        ("ip6tables-legacy-save", AddressFamily.InterNetworkV6, FirewallBackend.Legacy),
    ];

    /// <summary>
    /// Runs the capture on <paramref name="host"/> in one round trip and parses it.
    /// </summary>
    /// <exception cref="HostConnectionException">The host could not be reached.</exception>
    /// <exception cref="HostCommandTimeoutException">No answer within <see cref="LocalTimeout"/>.</exception>
    /// <exception cref="CaptureFormatException">The host's shell did not run the script at all (nothing to parse).</exception>
    public static async Task<NetworkSnapshot> CaptureAsync(IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var result = await host.RunAsync(Command(), cancellationToken).ConfigureAwait(false);
        return Parse(host.Name, result);
    }

    /// <summary>
    /// The capture as one command: a fresh token, the remote and local timeouts, and every exit code accepted, since
    /// a failing section is reported inside the output. Run it through any <see cref="IHost"/> and hand the output
    /// to <see cref="Parse(string, string, DateTimeOffset)"/>, e.g. to record a fixture.
    /// </summary>
    public static HostCommand Command() =>
        HostCommand.Shell(SectionedCapture.CommandLine(s_capture.Script(SectionedCapture.NewToken())))
            .WithRemoteTimeout(RemoteTimeout)
            .WithTimeout(LocalTimeout)
            .WithValidation(CommandValidation.None)
            .WithDescription("network capture (one round trip)");

    /// <summary>
    /// Turns the raw output of the capture into a snapshot.
    /// </summary>
    /// <param name="host">The name the machine was reached by.</param>
    /// <param name="output">The capture's standard output, whole.</param>
    /// <exception cref="CaptureFormatException">The output holds no capture header, or its markers are out of order.</exception>
    public static NetworkSnapshot Parse(string host, string output, DateTimeOffset capturedAt)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        var (sections, done) = s_capture.Split(output);
        return Assemble(host, capturedAt, sections, done, []);
    }

    internal static NetworkSnapshot Parse(string host, CommandResult result)
    {
        var unfinished = s_capture.Check(result, RemoteTimeout);
        var (sections, done) = s_capture.Split(result.StandardOutput);
        return Assemble(host, result.StartedAt, sections, done, unfinished is null ? [] : [unfinished]);
    }

    // ---- the script ----------------------------------------------------------------------------------------------

    internal static string NewToken() => SectionedCapture.NewToken();

    internal static string Script(string token) => s_capture.Script(token);

    internal static (List<RawSection> Sections, bool Done) Split(string output) => s_capture.Split(output);

    /// <summary>
    /// The same capture split into one command per section, each a whole script of its own: what capturing costs
    /// without batching, one connection per command (the benchmark's baseline). Their outputs, concatenated, are
    /// not one capture: use <see cref="Command"/> for that.
    /// </summary>
    public static IReadOnlyList<HostCommand> CommandsPerSection() =>
        [.. s_sections.Select(section => HostCommand.Shell(SectionedCapture.CommandLine(s_capture.Script(SectionedCapture.NewToken(), [section])))
            .WithRemoteTimeout(RemoteTimeout)
            .WithTimeout(LocalTimeout)
            .WithValidation(CommandValidation.None)
            .WithDescription($"network capture, section {section.Name}"))];

    // POSIX sh only: no arrays, no pipefail, no [[ ]], no local. Every helper variable starts with rb_.
    // The network sections' own shell functions, after SectionedCapture's prelude (PATH, the token, rb, rb_which,
    // rb_tab). POSIX sh only: no arrays, no pipefail, no [[ ]], no local. Every helper variable starts with rb_.
    private const string Helpers = """
        rb_key='@KEY@'

        # wg show all dump with the private and preshared keys replaced; a line of any other shape is withheld.
        rb_wg_dump() {
          rb_dump=$(wg show all dump) || return
          [ -n "$rb_dump" ] || return 0
          printf '%s\n' "$rb_dump" | while IFS=$rb_tab read -r rb_1 rb_2 rb_3 rb_4 rb_5 rb_6 rb_7 rb_8 rb_9; do
            if [ -n "$rb_5" ] && [ -z "$rb_6" ]; then
              [ "$rb_2" = "(none)" ] || rb_2="(hidden)"
              printf '%s\t%s\t%s\t%s\t%s\n' "$rb_1" "$rb_2" "$rb_3" "$rb_4" "$rb_5"
            elif [ -n "$rb_9" ] && [ "${rb_9#*"$rb_tab"}" = "$rb_9" ]; then
              [ "$rb_3" = "(none)" ] || rb_3="(hidden)"
              printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rb_1" "$rb_2" "$rb_3" "$rb_4" "$rb_5" "$rb_6" "$rb_7" "$rb_8" "$rb_9"
            else
              printf '%s\n' "(line withheld: not the shape of an interface or peer line)"
            fi
          done
        }

        # A wg-quick config, line for line, with no key in it: PrivateKey becomes the public key it derives.
        rb_wg_conf() {
          [ -r "$1" ] || { cat "$1" >/dev/null; return; }
          while IFS= read -r rb_l || [ -n "$rb_l" ]; do
            case $rb_l in
              *$rb_key*|*[Pp][Rr][Ii][Vv][Aa][Tt][Ee]*|*[Pp][Rr][Ee]*[Ss][Hh][Aa][Rr][Ee][Dd]*) ;;
              *) printf '%s\n' "$rb_l"; continue ;;
            esac
            # wg reads a key name in any case and ignores whitespace in it; a commented-out key is still a key.
            rb_k=$(printf '%s' "${rb_l%%=*}" | tr -d ' \t\r#' | tr 'A-Z' 'a-z')
            rb_t=${rb_l#"${rb_l%%[![:space:]]*}"}
            case $rb_t in '#'*) rb_c='# ' ;; *) rb_c= ;; esac
            case $rb_k in
              privatekey)
                rb_v=${rb_l#*=}
                rb_p=$(printf '%s' "${rb_v%%#*}" | tr -d ' \t\r' | wg pubkey 2>/dev/null) || rb_p=
                if [ -n "$rb_p" ]; then rb_p="public key $rb_p"
                elif command -v wg >/dev/null 2>&1; then rb_p="public key unknown: not a valid key"
                else rb_p="public key unknown: wg not found"; fi
                printf '%sPrivateKey = (not captured; %s)\n' "$rb_c" "$rb_p" ;;
              presharedkey)
                printf '%sPresharedKey = (not captured)\n' "$rb_c" ;;
              publickey)
                case ${rb_l#*#} in
                  *$rb_key*) [ "${rb_l%%#*}" != "$rb_l" ] && rb_l="${rb_l%%#*}# (comment not captured: it holds a key-shaped value)" ;;
                esac
                printf '%s\n' "$rb_l" ;;
              *)
                case ${rb_l%%=*} in
                  *$rb_key*) printf '%s\n' "# (line not captured: it holds a key-shaped value)" ;;
                  *) case $rb_l in
                       *$rb_key*) printf '%s= (not captured: it holds a key-shaped value)\n' "${rb_l%%=*}" ;;
                       *) printf '%s\n' "$rb_l" ;;
                     esac ;;
                esac ;;
            esac
          done <"$1"
        }

        # One head for all files: dash and busybox read byte by byte, and a /proc/sys file hands out only its first
        # byte to a 1-byte read (read gives "6" for an MTU of 65536).
        rb_sysctl() {
          set --
          for rb_f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/icmp_echo_ignore_all /proc/sys/net/ipv6/icmp/echo_ignore_all \
            /proc/sys/net/ipv4/conf/*/forwarding /proc/sys/net/ipv4/conf/*/rp_filter /proc/sys/net/ipv4/conf/*/src_valid_mark \
            /proc/sys/net/ipv6/conf/*/forwarding /proc/sys/net/ipv6/conf/*/disable_ipv6 /proc/sys/net/ipv6/conf/*/accept_ra \
            /proc/sys/net/ipv6/conf/*/mtu
          do
            [ -r "$rb_f" ] && set -- "$@" "$rb_f"
          done
          # An interface that goes away meanwhile makes head fail for its files only: not a failed section.
          [ $# -eq 0 ] || head -v -n 1 "$@"
          return 0
        }

        # The files sysctl --system (procps 4) applies, in its order: *.conf of these folders sorted by name, the
        # first folder winning for a name, then /etc/sysctl.conf. (systemd-sysctl reads the same folders, not the last file.)
        rb_sysctl_dirs='/etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d'
        rb_sysctl_files() {
          for rb_d in $rb_sysctl_dirs; do
            for rb_f in "$rb_d"/*.conf; do
              [ -f "$rb_f" ] && printf '%s\n' "${rb_f##*/}"
            done
          done | sort -u | while IFS= read -r rb_b; do
            for rb_d in $rb_sysctl_dirs; do
              if [ -f "$rb_d/$rb_b" ]; then printf '%s\n' "$rb_d/$rb_b"; break; fi
            done
          done
          [ -f /etc/sysctl.conf ] && printf '%s\n' /etc/sysctl.conf
          return 0
        }


        """;

    private const string WireGuardConfigLoop = """
        if [ -d /etc/wireguard ] && ! { [ -r /etc/wireguard ] && [ -x /etc/wireguard ]; }; then
          rb wg-configs ls ls /etc/wireguard
        fi
        for rb_f in /etc/wireguard/*.conf; do
          [ -f "$rb_f" ] && rb "wg-config $rb_f" '' rb_wg_conf "$rb_f"
        done

        """;

    // ---- the output ----------------------------------------------------------------------------------------------

    private static NetworkSnapshot Assemble(string host, DateTimeOffset capturedAt, List<RawSection> raw, bool done, List<CaptureProblem> extraProblems)
    {
        var sections = new CaptureSections(s_capture, raw, done);

        // Fixed sections in script order, so problems read in the order the machine was asked.
        var hostname = sections.Fixed("hostname")?.Trim() ?? "";
        var links = sections.Parse("addr", IpJsonParser.ParseLinks, []);
        var routes = sections.Parse("route4", t => IpJsonParser.ParseRoutes(t, AddressFamily.InterNetwork), [])
            .AddRange(sections.Parse("route6", t => IpJsonParser.ParseRoutes(t, AddressFamily.InterNetworkV6), []));
        var rules = sections.Parse("rule4", t => IpJsonParser.ParseRules(t, AddressFamily.InterNetwork), [])
            .AddRange(sections.Parse("rule6", t => IpJsonParser.ParseRules(t, AddressFamily.InterNetworkV6), []));
        var wireGuard = sections.Parse("wg-dump", WireGuardDumpParser.Parse, []);

        var configs = ImmutableArray.CreateBuilder<WireGuardConfig>();
        foreach (var section in raw.Where(s => s.Name.StartsWith("wg-config ", StringComparison.Ordinal)))
        {
            var path = section.Name["wg-config ".Length..];
            if (sections.Parse<WireGuardConfig?>(section, t => WireGuardConfigParser.Parse(path, t), null) is { } config)
                configs.Add(config);
        }
        // Printed only when /etc/wireguard cannot be listed: its failure says why no config was captured.
        foreach (var section in raw.Where(s => s.Name == "wg-configs"))
            sections.Parse(section, _ => 0, 0);

        var firewall = AssembleFirewall(sections);
        var sysctls = sections.Parse("sysctl", SysctlParser.ParseValues, ImmutableDictionary<string, string>.Empty);
        var sysctlFiles = ImmutableArray.CreateBuilder<SysctlSetting>();
        foreach (var section in raw.Where(s => s.Name.StartsWith("sysctl-file ", StringComparison.Ordinal)))
        {
            var path = section.Name["sysctl-file ".Length..];
            sysctlFiles.AddRange(sections.Parse(section, t => SysctlParser.ParseFile(path, t), []));
        }
        var listeners = sections.Parse("listeners", SsParser.Parse, []);
        var hosts = sections.Parse("hosts", HostsFileParser.Parse, []);

        return new NetworkSnapshot(host, hostname, capturedAt, links, routes, rules, wireGuard, configs.ToImmutable(), firewall,
            sysctls, sysctlFiles.ToImmutable(), listeners, hosts, [.. sections.Problems, .. extraProblems]);
    }

    private static FirewallState AssembleFirewall(CaptureSections sections)
    {
        var views = new List<(string Section, IptablesSave Save)>();
        foreach (var (name, family, expected) in s_iptablesViews)
        {
            if (sections.Parse<IptablesSave?>(name, t => IptablesSaveParser.Parse(t, family, expected), null) is { } save)
                views.Add((name, save));
        }
        // Where the plain iptables is the legacy build, iptables-save and iptables-legacy-save show the same tables:
        // keep them once, from the tool that names its backend.
        views.RemoveAll(v => !v.Section.Contains("-legacy-", StringComparison.Ordinal) && v.Save.Backend == FirewallBackend.Legacy
            && views.Any(o => o.Section.Contains("-legacy-", StringComparison.Ordinal) && o.Save.Family == v.Save.Family));

        var nft = sections.Parse("nft", NftJsonParser.Parse, new NftRuleset([], [], []));
        // iptables-nft's tables are in the nft ruleset too. Its view shows them as iptables rules, the way they are
        // edited, so they are dropped from the nft side wherever that view was captured; tables it could not print
        // ("incompatible") stay.
        var shownByIptablesNft = views.Where(v => v.Save.Backend == FirewallBackend.Nft)
            .ToDictionary(v => v.Save.Family == AddressFamily.InterNetwork ? "ip" : "ip6", v => v.Save.IncompatibleTables);
        nft = nft.Without(t => t.IsIptablesNftTable && shownByIptablesNft.TryGetValue(t.Family, out var incompatible) && !incompatible.Contains(t.Name));

        return new FirewallState([.. views.SelectMany(v => v.Save.Chains)], [.. views.SelectMany(v => v.Save.Rules)], nft.Rules)
        {
            NftChains = nft.Chains,
        };
    }
}
