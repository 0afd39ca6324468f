using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Install;
using Runbooks.Autoextend.Policy;
using Runbooks.Hosts;

namespace Runbooks.Benchmarks;

/// <summary>A contender could not be started, stopped or read; the message says what was seen.</summary>
internal sealed class ContenderFailedException(string message) : Exception(message);

/// <summary>What a contender did to the volume between two moments of the guest's clock.</summary>
internal sealed record ContenderActions(ImmutableArray<Grow> Grows, int Alerts, int Errors);

/// <summary>Something that keeps vg0/bench from filling, run on the guest while the writer writes.</summary>
internal interface IGrowthContender
{
    /// <summary>"ours" or "baseline": the JSON's key and the table's column.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>Starts it on the freshly made, idle volume; returns the process whose CPU is its cost.</summary>
    Task<int> StartAsync(IHost host);

    /// <summary>Stops it for good (nothing restarts it), after any grow under way has finished.</summary>
    Task StopAsync(IHost host, int pid);

    /// <summary>Its grows, alerts and errors between <paramref name="from"/> and <paramref name="to"/> (guest clock, Unix seconds).</summary>
    Task<ContenderActions> ActionsAsync(IHost host, double from, double to);
}

/// <summary>
/// Ours: the grower installed on the guest by <see cref="GrowerInstaller"/>, kept running by busybox init, with the
/// default policy but for the VG running out: it alerts rather than adding a disk, so both contenders get the same VG.
/// </summary>
internal sealed class InstalledGrower(GrowerBuild build, string volume) : IGrowthContender
{
    private readonly AutoextendPolicy _policy = new() { Volume = volume, WhenGroupFull = WhenGroupFull.Alert };

    private GrowerLayout Layout => new(_policy.VolumeGroup, _policy.LogicalVolume);

    // The bracket keeps pgrep from finding the shell that runs it.
    private string Pattern => ShellQuote.Quote("[a]utoextend --policy " + Layout.PolicyPath);

    public string Name => "ours";

    public string Description =>
        $"runbook autoextend installed on the guest (inittab respawn), default policy (80 %, 500 MiB steps, 1 s samples, time-to-full), whenGroupFull alert";

    public async Task<int> StartAsync(IHost host)
    {
        var outcome = await GrowerInstaller.InstallAsync(host, build, _policy, checkMode: false);
        if (!outcome.Report.Succeeded)
            throw new ContenderFailedException("installing the grower failed: " +
                string.Join("; ", outcome.Report.Steps.Where(s => s.Error is not null).Select(s => $"{s.Id}: {s.Error}")));
        var pids = (await host.RunAsync(HostCommand.Shell($"pgrep -f {Pattern} || true"))).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return pids is [var pid]
            ? int.Parse(pid, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw new ContenderFailedException($"expected one grower of {_policy.Volume} after the installation, found {pids.Length}");
    }

    public async Task StopAsync(IHost host, int pid)
    {
        // The respawn line goes first, or init would start the grower again. Each grower is sent TERM once: it
        // finishes a grow under way, and a second signal must not cut that short.
        var line = ShellQuote.Quote(Layout.InittabLine(Supervisor.BusyboxInittab));
        var inittab = GrowerLayout.InittabPath;
        await host.RunAsync(HostCommand.Shell($$"""
            { grep -vxF {{line}} {{inittab}} || true; } > {{inittab}}.bench && cat {{inittab}}.bench > {{inittab}} && rm {{inittab}}.bench && kill -HUP 1
            sleep 1; signalled=' '; i=0
            while pids=$(pgrep -f {{Pattern}}); [ -n "$pids" ]; do
              for p in $pids; do case "$signalled" in *" $p "*) ;; *) kill -TERM "$p" 2>/dev/null; signalled="$signalled$p ";; esac; done
              i=$((i + 1)); [ $i -lt 240 ] || { echo "a grower of {{_policy.Volume}} still runs 2 minutes after TERM: $pids" >&2; exit 1; }
              sleep 0.5
            done
            sleep 2
            ! pgrep -f {{Pattern}} > /dev/null || { echo "init started the grower of {{_policy.Volume}} again" >&2; exit 1; }
            """).WithTimeout(TimeSpan.FromMinutes(3)).WithDescription($"stop the grower of {_policy.Volume} (PID {pid}) for good"));
    }

    public async Task<ContenderActions> ActionsAsync(IHost host, double from, double to)
    {
        // HistoryFile reads files; the history is read on the machine that wrote it, through a copy here.
        var text = (await host.RunAsync(HostCommand.Shell($"cat {Layout.HistoryPath}"))).StandardOutput;
        var copy = Path.Combine(Directory.CreateTempSubdirectory("runbook-grower-bench-").FullName, "history.csv");
        try
        {
            await File.WriteAllTextAsync(copy, text);
            var records = HistoryFile.Read(copy).Records
                .Where(r => Unix(r.Time) >= from && Unix(r.Time) <= to).ToList();
            // An Extend record carries the time of the sample that decided it (Autoextender records it with that
            // sample's figures), so the grow starts there; ActionSeconds runs to the end of its verifying re-read.
            var grows = records.Where(r => r.Kind == GrowthEvent.Extend)
                .Select(r => new Grow(Unix(r.Time), r.ActionSeconds ?? 0, r.ActionBytes, Succeeded: true));
            return new ContenderActions([.. grows], records.Count(r => r.Kind == GrowthEvent.Alert), records.Count(r => r.Kind == GrowthEvent.Error));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    private static double Unix(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;
}

/// <summary>
/// The baseline: what one would write without a grower. A bash loop, started detached on the guest, that runs df
/// every 2 s and, at 80 % used (df's own Use% before rounding, the grower's threshold), runs
/// <c>lvextend -r -L +500M</c>, logging the guest's time before and after.
/// </summary>
internal sealed class DfPollingBaseline(string volume, string mount) : IGrowthContender
{
    private const string Folder = "/run/runbook-bench-baseline";

    public string Name => "baseline";

    public string Description => $"bash loop: df {mount} every 2 s, at >= 80 % used lvextend -r -L +500M {volume}";

    private string Script => $$"""
        #!/bin/bash
        # The grower benchmark's baseline (bench/Runbooks.Benchmarks): poll df, grow by a fixed step.
        echo $$ > {{Folder}}/pid
        export LVM_SUPPRESS_FD_WARNINGS=1
        while :; do
          if df -P -B1 {{mount}} | awk 'NR == 2 { exit !($3 * 100 >= 80 * ($3 + $4)) }'; then
            echo "start $(date +%s.%N)" >> {{Folder}}/grows
            lvextend -r -L +500M {{volume}} >> {{Folder}}/lvextend.out 2>&1
            status=$?
            echo "end $(date +%s.%N) $status" >> {{Folder}}/grows
          fi
          sleep 2
        done

        """;

    public async Task<int> StartAsync(IHost host)
    {
        await host.RunAsync(HostCommand.Shell($"rm -rf {Folder} && mkdir -p {Folder} && cat > {Folder}/loop.sh").WithStandardInput(Script));
        // setsid and every descriptor closed: the loop outlives this ssh session, as a cron-less admin's would.
        var started = await host.RunAsync(HostCommand.Shell($$"""
            setsid nohup bash {{Folder}}/loop.sh < /dev/null > /dev/null 2>&1 &
            i=0; until [ -s {{Folder}}/pid ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
            cat {{Folder}}/pid
            """).WithTimeout(TimeSpan.FromSeconds(30)));
        return int.Parse(started.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    public async Task StopAsync(IHost host, int pid)
    {
        // Killing the loop leaves an lvextend it started running; it is waited for, so the volume is not removed under it.
        await host.RunAsync(HostCommand.Shell($$"""
            kill -TERM {{pid}} 2>/dev/null; i=0
            while [ -d /proc/{{pid}} ]; do i=$((i + 1)); [ $i -lt 20 ] || kill -KILL {{pid}}; sleep 0.5; done
            i=0
            while pgrep -x 'lvextend|fsadm|resize2fs' > /dev/null; do
              i=$((i + 1)); [ $i -lt 240 ] || { echo "an lvextend of the baseline still runs after 2 minutes" >&2; exit 1; }
              sleep 0.5
            done
            """).WithTimeout(TimeSpan.FromMinutes(3)).WithDescription($"stop the baseline loop (PID {pid})"));
    }

    public async Task<ContenderActions> ActionsAsync(IHost host, double from, double to)
    {
        var log = (await host.RunAsync(HostCommand.Shell($"cat {Folder}/grows 2>/dev/null || true"))).StandardOutput;
        var grows = new List<Grow>();
        double? start = null;
        foreach (var fields in log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')))
        {
            switch (fields)
            {
                case ["start", var time]:
                    start = Seconds(time);
                    break;
                case ["end", var time, var status] when start is { } began:
                    grows.Add(new Grow(began, Seconds(time) - began, 500L << 20, status == "0"));
                    start = null;
                    break;
                default:
                    throw new ContenderFailedException($"the baseline's log has a line it never writes: {string.Join(' ', fields)}");
            }
        }
        return new ContenderActions([.. grows.Where(g => g.Start >= from && g.Start <= to)], Alerts: 0, Errors: grows.Count(g => !g.Succeeded));
    }

    private static double Seconds(string unixTime) => double.Parse(unixTime, NumberStyles.Float, CultureInfo.InvariantCulture);
}
