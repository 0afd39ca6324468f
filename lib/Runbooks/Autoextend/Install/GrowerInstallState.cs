using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Runbooks.Hosts;

namespace Runbooks.Autoextend.Install;

/// <summary>A grower process running on the machine: its pid, the executable it runs and when it started.</summary>
public sealed record GrowerProcess(int Pid, string Executable, DateTimeOffset Started);

/// <summary>
/// What the installer and the uninstaller need to know about a machine, read in one round trip. Files are compared
/// by SHA-256, so the state holds no file's content (a policy may name paths an SRE would rather not publish; no
/// secret is in it, but nothing needs it).
/// </summary>
/// <param name="BuildPresent">The build of the version the state was read for is there and complete; false when
/// it was read for no version (the uninstaller's, which removes whichever builds there are).</param>
/// <param name="HistoryChanged">When the history was last written; null when there is none.</param>
/// <param name="LogChanged">When the grower's log was last written; null when there is none.</param>
/// <param name="Policies">The volumes (VG-LV) that have a policy in <see cref="GrowerLayout.PoliciesFolder"/>, this one included.</param>
public sealed record GrowerInstallState(
    Supervisor Supervisor,
    string Architecture,
    bool BuildPresent,
    string? CommandLinkTarget,
    string? PolicySha256,
    DateTimeOffset? PolicyChanged,
    string? LauncherSha256,
    DateTimeOffset? LauncherChanged,
    int InittabLines,
    string? UnitSha256,
    bool UnitEnabled,
    long BuildsFolderAvailable,
    DateTimeOffset? MetricsChanged,
    DateTimeOffset? HistoryChanged,
    DateTimeOffset? LogChanged,
    ImmutableArray<string> Builds,
    ImmutableArray<string> Policies,
    ImmutableArray<GrowerProcess> Growers,
    DateTimeOffset Now)
{
    /// <summary>The growers that run <paramref name="version"/> and were started after the policy and launcher they use last changed.</summary>
    public IEnumerable<GrowerProcess> Current(string version) => Growers.Where(g =>
        g.Executable == $"{GrowerLayout.BuildFolder(version)}/runbook"
        && (PolicyChanged is not { } p || g.Started >= p)
        && (LauncherChanged is not { } l || g.Started >= l));

    /// <summary>A current grower has written its metrics since it started: it got past reading the volume, taking the
    /// lock and its first sample, which is where a bad policy or a second grower would have stopped it.</summary>
    public bool Running(string version) => Current(version).Any(g => MetricsChanged >= g.Started);

    /// <summary>The volumes other than <paramref name="layout"/>'s with a policy on the machine: their growers share the build.</summary>
    public ImmutableArray<string> OtherPolicies(GrowerLayout layout) => [.. Policies.Where(p => p != layout.Name)];

    /// <summary><see cref="GrowerLayout.CommandLink"/> points into <see cref="GrowerLayout.BuildsFolder"/>: the installer made it.</summary>
    public bool CommandLinkIsOurs => CommandLinkTarget?.StartsWith(GrowerLayout.BuildsFolder + "/", StringComparison.Ordinal) == true;

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Shell function <c>term_and_wait PIDS SECONDS</c>: SIGTERM to PIDS, then wait until none of them runs (a grower
    /// finishes a grow under way first). False after SECONDS, with those still running in <c>$alive</c>. Never SIGKILL:
    /// a grow cut off half-way is repaired only by a grower's next start.
    /// </summary>
    internal const string TermAndWaitFunction = """
        term_and_wait() {
          kill -TERM $1 2>/dev/null || true
          i=0
          while [ $i -lt $(($2 * 2)) ]; do
            alive=; for p in $1; do [ -d /proc/$p ] && alive="$alive $p"; done
            [ -z "$alive" ] && return 0
            sleep 0.5; i=$((i + 1))
          done
          return 1
        }
        """;

    /// <summary>
    /// Shell defining <c>growers PATTERN</c>: one line "pid start-epoch executable" per process whose command line
    /// matches PATTERN (a pgrep -f regex; write it as "[a]utoextend …" so it does not match the script itself).
    /// The start time comes from /proc/PID/stat (field 22, ticks after boot) and the boot time in /proc/stat.
    /// </summary>
    internal const string GrowersFunction = """
        growers() {
          boot=$(awk '/^btime/ {print $2}' /proc/stat); ticks=$(getconf CLK_TCK)
          for pid in $(pgrep -f "$1"); do
            exe=$(readlink /proc/$pid/exe) || continue
            start=$(awk -v b="$boot" -v t="$ticks" '{ sub(/^.*\) /, ""); print int(b + $20 / t) }' /proc/$pid/stat) || continue
            echo "$pid $start $exe"
          done
        }
        """;

    /// <summary>The pgrep pattern of the growers of <paramref name="layout"/>'s volume, quoted for the shell.</summary>
    internal static string GrowerPattern(GrowerLayout layout) => ShellQuote.Quote("[a]utoextend --policy " + layout.PolicyPath);

    /// <summary>
    /// awk (run with <c>-F:</c> and <c>-v launcher=PATH</c>) true on the inittab lines that start the launcher: the
    /// busybox line exactly, or a sysvinit entry (an id, any runlevels) that respawns it. Compared as strings, not as
    /// a regex: LVM names may hold '.' and '+'. What the state counts is what the uninstaller removes.
    /// </summary>
    private const string InittabLineCondition = """$0 == "::respawn:" launcher || (NF == 4 && $1 != "" && $1 !~ /#/ && $3 == "respawn" && $4 == launcher)""";

    /// <summary>awk over inittab lines, told the launcher of <paramref name="layout"/>; <paramref name="action"/> may use <c>LAUNCHER_LINE</c>, the condition above.</summary>
    internal static string InittabAwk(GrowerLayout layout, string action) =>
        $"awk -F: -v launcher={ShellQuote.Quote(layout.LauncherPath)} {ShellQuote.Quote(action.Replace("LAUNCHER_LINE", "(" + InittabLineCondition + ")", StringComparison.Ordinal))}";

    /// <summary>The one command that reads it all.</summary>
    /// <param name="version">The build whose presence is read; null reads none (<see cref="BuildPresent"/> false).</param>
    /// <param name="metricsPath">The metrics file of the installed policy: written at the grower's first sample.</param>
    /// <param name="historyPath">The history file of the installed policy: the record an uninstall keeps.</param>
    public static HostCommand Command(GrowerLayout layout, string? version, string metricsPath, string historyPath)
    {
        var buildLine = version is null ? "echo build=-"
            : $"if [ -x {GrowerLayout.BuildFolder(version)}/runbook ] && [ -f {GrowerLayout.BuildFolder(version)}/.complete ]; then echo build=present; else echo build=absent; fi";
        var script = GrowersFunction + "\n" + $$"""
            sum() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo -; fi; }
            changed() { if [ -f "$1" ]; then stat -c %Y "$1"; else echo -; fi; }
            if [ -d /run/systemd/system ]; then echo supervisor=systemd
            elif [ -f {{GrowerLayout.InittabPath}} ]; then case "$(readlink -f /sbin/init)" in *busybox*) echo supervisor=busybox;; *) echo supervisor=sysv;; esac
            else echo supervisor=none; fi
            echo arch=$(uname -m)
            {{buildLine}}
            echo link=$(readlink {{GrowerLayout.CommandLink}} || echo -)
            echo policy=$(sum {{layout.PolicyPath}}) $(changed {{layout.PolicyPath}})
            echo launcher=$(sum {{layout.LauncherPath}}) $(changed {{layout.LauncherPath}})
            if [ -f {{GrowerLayout.InittabPath}} ]; then echo inittab=$({{InittabAwk(layout, "LAUNCHER_LINE { n++ } END { print n + 0 }")}} {{GrowerLayout.InittabPath}}); else echo inittab=0; fi
            echo unit=$(sum {{layout.UnitPath}}) $(systemctl is-enabled {{layout.UnitName}} 2>/dev/null || echo disabled)
            echo metrics=$(changed {{ShellQuote.Quote(metricsPath)}})
            echo history=$(changed {{ShellQuote.Quote(historyPath)}})
            echo log=$(changed {{layout.LogPath}})
            echo builds=$(cd {{GrowerLayout.BuildsFolder}} 2>/dev/null && ls -d */ 2>/dev/null | tr -d /)
            echo policies=$(cd {{GrowerLayout.PoliciesFolder}} 2>/dev/null && ls *.json 2>/dev/null | sed 's/[.]json$//')
            # The filesystem the builds folder is (or would be) on; a read creates nothing, so check mode changes nothing.
            d={{GrowerLayout.BuildsFolder}}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done
            echo available=$(df -P -B1 "$d" | awk 'NR == 2 {print $4}')
            growers {{GrowerPattern(layout)}} | sed 's/^/grower=/'
            echo now=$(date +%s)
            """;
        return HostCommand.Shell(script).WithDescription($"the grower's installation for {layout.VolumeGroup}/{layout.LogicalVolume}")
            .WithTimeout(TimeSpan.FromSeconds(60));
    }

    /// <exception cref="FormatException">The output is not what <see cref="Command"/> prints: names the line.</exception>
    public static GrowerInstallState Parse(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var growers = ImmutableArray.CreateBuilder<GrowerProcess>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new FormatException($"the grower's installation state has a line without key=value: \"{line}\"");
            var (key, value) = (line[..equals], line[(equals + 1)..]);
            if (key == "grower")
            {
                var parts = value.Split(' ', 3);
                if (parts.Length != 3 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var started))
                    throw new FormatException($"a grower process line is not \"pid start-epoch executable\": \"{line}\"");
                growers.Add(new GrowerProcess(pid, parts[2], DateTimeOffset.FromUnixTimeSeconds(started)));
            }
            else
                values[key] = value;
        }
        string Need(string key) => values.TryGetValue(key, out var v) ? v : throw new FormatException($"the grower's installation state has no \"{key}=\" line; got:\n{output}");
        static string? Dash(string v) => v == "-" ? null : v;
        static DateTimeOffset? Epoch(string v) => long.TryParse(v, CultureInfo.InvariantCulture, out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null;
        (string Sum, string After) Pair(string key) => Need(key).Split(' ', 2) is [var a, var b] ? (a, b) : (Need(key), "");

        var supervisor = Need("supervisor") switch
        {
            "systemd" => Supervisor.Systemd,
            "busybox" => Supervisor.BusyboxInittab,
            "sysv" => Supervisor.SysvInittab,
            "none" => Supervisor.None,
            var other => throw new FormatException($"unknown supervisor \"{other}\""),
        };
        var inittab = Need("inittab").Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(n => int.TryParse(n, CultureInfo.InvariantCulture, out var c) ? c : 0);
        var (policySum, policyChanged) = Pair("policy");
        var (launcherSum, launcherChanged) = Pair("launcher");
        var (unitSum, enabled) = Pair("unit");
        return new GrowerInstallState(
            supervisor,
            Need("arch"),
            Need("build") == "present",
            Dash(Need("link")),
            Dash(policySum),
            Epoch(policyChanged),
            Dash(launcherSum),
            Epoch(launcherChanged),
            inittab,
            Dash(unitSum),
            enabled.Trim() == "enabled",
            long.TryParse(Need("available"), CultureInfo.InvariantCulture, out var available) ? available : throw new FormatException($"available is not a number: \"{Need("available")}\""),
            Epoch(Need("metrics")),
            Epoch(Need("history")),
            Epoch(Need("log")),
            [.. Need("builds").Split(' ', StringSplitOptions.RemoveEmptyEntries)],
            [.. Need("policies").Split(' ', StringSplitOptions.RemoveEmptyEntries)],
            growers.ToImmutable(),
            Epoch(Need("now")) ?? throw new FormatException($"now is not a time: \"{Need("now")}\""));
    }
}
