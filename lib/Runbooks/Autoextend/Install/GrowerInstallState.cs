using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Runbooks.Hosts;

namespace Runbooks.Autoextend.Install;

/// <summary>A grower process running on the machine: its pid, the executable it runs and when it started.</summary>
public sealed record GrowerProcess(int Pid, string Executable, DateTimeOffset Started);

/// <summary>
/// What the installer needs to know about a machine, read in one round trip. Files are compared by SHA-256, so
/// the state holds no file's content (a policy may name paths an SRE would rather not publish; no secret is in it,
/// but nothing needs it).
/// </summary>
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
    ImmutableArray<string> Builds,
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

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

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

    /// <summary>The one command that reads it all.</summary>
    /// <param name="metricsPath">The metrics file of the installed policy: written at the grower's first sample.</param>
    public static HostCommand Command(GrowerLayout layout, string version, string metricsPath)
    {
        var build = GrowerLayout.BuildFolder(version);
        var script = GrowersFunction + "\n" + $$"""
            sum() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo -; fi; }
            changed() { if [ -f "$1" ]; then stat -c %Y "$1"; else echo -; fi; }
            if [ -d /run/systemd/system ]; then echo supervisor=systemd
            elif [ -f {{GrowerLayout.InittabPath}} ]; then case "$(readlink -f /sbin/init)" in *busybox*) echo supervisor=busybox;; *) echo supervisor=sysv;; esac
            else echo supervisor=none; fi
            echo arch=$(uname -m)
            if [ -x {{build}}/runbook ] && [ -f {{build}}/.complete ]; then echo build=present; else echo build=absent; fi
            echo link=$(readlink {{GrowerLayout.CommandLink}} || echo -)
            echo policy=$(sum {{layout.PolicyPath}}) $(changed {{layout.PolicyPath}})
            echo launcher=$(sum {{layout.LauncherPath}}) $(changed {{layout.LauncherPath}})
            echo inittab=$(grep -cxF {{ShellQuote.Quote("::respawn:" + layout.LauncherPath)}} {{GrowerLayout.InittabPath}} 2>/dev/null; grep -cE {{ShellQuote.Quote("^[^#:]+:[^:]*:respawn:" + layout.LauncherPath + "$")}} {{GrowerLayout.InittabPath}} 2>/dev/null)
            echo unit=$(sum {{layout.UnitPath}}) $(systemctl is-enabled {{layout.UnitName}} 2>/dev/null || echo disabled)
            echo metrics=$(changed {{ShellQuote.Quote(metricsPath)}})
            echo builds=$(cd {{GrowerLayout.BuildsFolder}} 2>/dev/null && ls -d */ 2>/dev/null | tr -d /)
            mkdir -p {{GrowerLayout.BuildsFolder}} && echo available=$(df -P -B1 {{GrowerLayout.BuildsFolder}} | awk 'NR == 2 {print $4}')
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
            [.. Need("builds").Split(' ', StringSplitOptions.RemoveEmptyEntries)],
            growers.ToImmutable(),
            Epoch(Need("now")) ?? throw new FormatException($"now is not a time: \"{Need("now")}\""));
    }
}
