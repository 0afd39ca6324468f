using Runbooks.Autoextend;
using Runbooks.Autoextend.Decisions;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Install;
using Runbooks.Autoextend.Policy;
using Runbooks.Autoextend.Runtime;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Labs.Storage;
using Runbooks.Storage;

namespace Runbooks.Labs.Tests.Storage;

/// <summary>
/// The grower against the real repaired guest. Over ssh: it repairs a grow cut off between the LV and its filesystem,
/// keeps up with a writer with no write error, records every sample and action. Installed on the machine: check mode,
/// idempotence, a second instance refused, a real kill -9 between the LV and the filesystem grow repaired by the next
/// start, and one alert (never a loop) for a full VG under an alerting policy and for an image directory without room;
/// then uninstalled (init does not start it again, the history and the log kept) and installed again.
/// </summary>
[Collection(StorageLabCollection.Name)]
public sealed class GrowerTests(StorageLabFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-grower-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // One repaired guest for every case: a repair costs about a minute under emulation. The challenge's full fill
    // with the grower runs in the storage runbook itself (CI's main job), so here the writes are small.
    [Fact]
    public async Task OverSsh_RepairsACutOffGrowAndGrowsPastTheThreshold_OnTheMachine_InstallsSurvivesKill9RefusesASecondAlertsOnceWhenFullAndUninstalls()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var fix = await session.FixAsync(checkMode: false);
        Assert.True(fix.Succeeded, string.Join("\n", fix.Steps.Select(s => $"{s.Status} {s.Title} {s.Error}")));
        var volume = new VolumeControl(session.Host, "vg0", "data0", "/media");
        var usage = new HostUsageSource(session.Host, "/data");

        // A grow cut off after lvextend, before the filesystem (what kill -9 between the two leaves), then 300 MB
        // written past a 5 % threshold; capped at 6 GiB, so vg0 keeps room for what follows.
        await session.Host.RunAsync(HostCommand.Shell("LVM_SUPPRESS_FD_WARNINGS=1 lvextend -L +500m vg0/data0"));
        var history = new HistoryFile(Path.Combine(_folder, "history.csv"));
        var log = new List<string>();
        var grower = new Autoextender(usage, volume, PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("usedPercentThreshold", "5"), new("maximumVolumeSize", "6g")]),
            (r, _) => { history.Append(r); return Task.CompletedTask; }, line => { lock (log) log.Add(line); });
        using (var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            var growing = grower.RunAsync(new AutoextendRun(), stop.Token);
            var write = await session.Host.RunAsync(HostCommand.Shell("mkdir -p /data/load && for i in 1 2 3; do dd if=/dev/zero of=/data/load/$i bs=1M count=100 conv=fsync status=none || exit 1; done")
                .WithValidation(CommandValidation.None).WithRemoteTimeout(TimeSpan.FromMinutes(1)));
            while (!log.Any(l => l.StartsWith("grew ", StringComparison.Ordinal)) && !stop.IsCancellationRequested)
                await Task.Delay(500);
            await stop.CancelAsync();
            var summary = await growing;

            var text = string.Join("\n", log);
            Assert.True(write.ExitCode == 0, $"a write failed: {write.StandardError}\n{text}");
            Assert.Contains("repaired: the filesystem of vg0/data0 spans", text, StringComparison.Ordinal);
            Assert.True(summary.Extends >= 1, text);
            Assert.Equal(0, summary.Failures);
            Assert.False(summary.Final.FilesystemBehindVolume, text);
            var records = history.Read().Records;
            Assert.Equal(GrowthEvent.Repair, records[0].Kind);
            Assert.Equal(summary.Extends, records.Count(r => r.Kind == GrowthEvent.Extend));
            Assert.Equal(summary.Samples, records.Count(r => r.Kind == GrowthEvent.Sample));
        }

        await OnTheMachineAsync(session.Host, volume);
    }

    private const string Policy = "/etc/runbook/autoextend/vg0-data0.json";
    private const string Log = "/var/log/runbook-autoextend-vg0-data0.log";
    private const string History = "/var/lib/runbook/autoextend/vg0-data0.csv";

    // Installed on the machine and kept running by its init: installed, idempotent, check mode; a second grower refused;
    // kill -9 between the LV and the filesystem grow repaired by the next start; a full VG with an alerting policy
    // alerts once; an image directory without room for a disk alerts once and adds nothing.
    private static async Task OnTheMachineAsync(IHost host, VolumeControl volume)
    {
        var build = GrowerBuild.Open(Path.Combine(Repository.Root(), GrowerBuild.DefaultFolder));
        var policy = PolicyLoader.Load(null, [new("volume", "vg0/data0")]);

        var check = await GrowerInstaller.InstallAsync(host, build, policy, checkMode: true);
        Assert.Equal(["copy-build", "link-command", "write-policy", "write-launcher", "add-respawn-line", "restart-grower", "wait-for-grower", "remove-old-builds"],
            check.Report.Steps.Select(s => s.Id));
        Assert.All(check.Report.Steps.SkipLast(1), s => Assert.Equal(StepStatus.WouldChange, s.Status));
        Assert.Equal(StepStatus.Ok, check.Report.Steps[^1].Status);
        var unchanged = await GrowerInstaller.InstallAsync(host, build, policy, checkMode: true);
        Assert.Equal((false, 0, 0), (unchanged.Before.BuildPresent, unchanged.Before.Growers.Length, unchanged.Before.InittabLines));

        var installed = await GrowerInstaller.InstallAsync(host, build, policy, checkMode: false);
        Assert.True(installed.Report.Succeeded, Steps(installed));
        Assert.True(installed.After.Running(build.Version), Steps(installed));
        Assert.Equal(Supervisor.BusyboxInittab, installed.After.Supervisor);
        var again = await GrowerInstaller.InstallAsync(host, build, policy, checkMode: false);
        Assert.True(again.Report.Changed == 0, Steps(again));

        // Two instances: the one init keeps holds the lock; a second on the same machine is refused, naming it.
        var second = await host.RunAsync(HostCommand.Shell($"runbook autoextend --policy {Policy} --once")
            .WithValidation(CommandValidation.None).WithTimeout(TimeSpan.FromMinutes(2)));
        Assert.True(second.ExitCode == 3, $"exit {second.ExitCode}: {second.StandardOutput}{second.StandardError}");
        Assert.Contains("another autoextend already keeps this volume", second.StandardError, StringComparison.Ordinal);

        // The machine build's --json (trimmed: reflection-based JSON must still be on), beside the running grower: check
        // mode changes nothing, and a lock folder of its own keeps it from being refused.
        var json = await host.RunAsync(HostCommand.Shell($"runbook autoextend --policy {Policy} --check --once --json --lock-dir /run/runbook-test-lock")
            .WithTimeout(TimeSpan.FromMinutes(2)));
        using (var summary = System.Text.Json.JsonDocument.Parse(json.StandardOutput))
        {
            Assert.Equal("vg0/data0", summary.RootElement.GetProperty("volume").GetString());
            Assert.True(summary.RootElement.GetProperty("check").GetBoolean());
            Assert.Equal(1, summary.RootElement.GetProperty("samples").GetInt32());
            Assert.Equal(0, summary.RootElement.GetProperty("extends").GetInt32());
        }
        Assert.Contains("keeping vg0/data0", json.StandardError, StringComparison.Ordinal);

        // kill -9 between the LV and the filesystem grow: a resize2fs that holds still (found first on the launcher's
        // PATH) lets the grower be killed exactly there; the grower init starts again must repair it.
        var before = await volume.ReadAsync();
        await host.RunAsync(HostCommand.Shell("printf '#!/bin/sh\ntouch /run/resize2fs-held\nexec sleep 600\n' > /usr/local/sbin/resize2fs && chmod 755 /usr/local/sbin/resize2fs && rm -f /run/resize2fs-held"));
        // Always short of free space (the floor is just under the cap), and capped one step above today's size.
        var cap = (before.VolumeSize >> 20) + 500;
        var greedy = PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("minimumFreeBytes", $"{cap - 1}m"), new("maximumVolumeSize", $"{cap}m")]);
        var mark = await LogLinesAsync(host);
        Assert.True((await GrowerInstaller.InstallAsync(host, build, greedy, checkMode: false)).Report.Succeeded);
        await host.RunAsync(HostCommand.Shell("i=0; until [ -e /run/resize2fs-held ]; do i=$((i + 1)); [ $i -lt 240 ] || exit 1; sleep 0.5; done").WithTimeout(TimeSpan.FromMinutes(3)));
        var cut = await volume.ReadAsync();
        Assert.True(cut.FilesystemBehindVolume, $"LV {cut.VolumeSize}, filesystem {cut.FilesystemBytes}");
        await host.RunAsync(HostCommand.Shell($"rm /usr/local/sbin/resize2fs; pkill -KILL -f '[a]utoextend --policy {Policy}'; pkill -KILL -f '^sleep 600$'; true"));
        var repaired = await WaitForLogAsync(host, mark, "repaired: ");
        Assert.Contains("the filesystem of vg0/data0 spans", repaired, StringComparison.Ordinal);
        var after = await volume.ReadAsync();
        Assert.False(after.FilesystemBehindVolume, repaired);
        Assert.Equal(before.VolumeSize + (500L << 20), after.VolumeSize);
        var history = await host.RunAsync(HostCommand.Shell("grep -c ',repair,vg0/data0,' /var/lib/runbook/autoextend/vg0-data0.csv"));
        Assert.Equal("1", history.StandardOutput.Trim());

        // The VG given away entirely; a policy that alerts rather than adding a disk: one alert, no disk, no loop.
        await host.RunAsync(HostCommand.Shell("LVM_SUPPRESS_FD_WARNINGS=1 lvextend -r -l +100%FREE vg0/data0"));
        var images = (await volume.ReadAsync()).ImageFiles.ToArray();
        var alerting = PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("usedPercentThreshold", "1"), new("whenGroupFull", "alert")]);
        mark = await LogLinesAsync(host);
        Assert.True((await GrowerInstaller.InstallAsync(host, build, alerting, checkMode: false)).Report.Succeeded);
        await WaitForLogAsync(host, mark, $"ALERT {AlertKind.GroupFull}");
        await Task.Delay(TimeSpan.FromSeconds(10));
        var alerted = await NewLogAsync(host, mark);
        Assert.Equal(1, alerted.Split('\n').Count(l => l.Contains("ALERT", StringComparison.Ordinal)));
        Assert.Equal(images, (await volume.ReadAsync()).ImageFiles.ToArray());

        // Adding disks allowed, but the image directory's filesystem has no room for one above the floor: one alert
        // naming it, no image made.
        await host.RunAsync(HostCommand.Shell("avail=$(df -P -B1 /media | awk 'NR == 2 {print $4}'); fallocate -l $((avail - (1500 << 20))) /runbook-test-filler"));
        var adding = PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("usedPercentThreshold", "1")]);
        mark = await LogLinesAsync(host);
        try
        {
            Assert.True((await GrowerInstaller.InstallAsync(host, build, adding, checkMode: false)).Report.Succeeded);
            await WaitForLogAsync(host, mark, $"ALERT {AlertKind.ImageFilesystemFloorReached}");
            await Task.Delay(TimeSpan.FromSeconds(10));
            var floor = await NewLogAsync(host, mark);
            Assert.Equal(1, floor.Split('\n').Count(l => l.Contains("ALERT", StringComparison.Ordinal)));
            Assert.DoesNotContain("adding ", floor, StringComparison.Ordinal);
            Assert.Equal(images, (await volume.ReadAsync()).ImageFiles.ToArray());
        }
        finally
        {
            await host.RunAsync(HostCommand.Shell("rm -f /runbook-test-filler"));
        }

        await UninstallAsync(host, build);
    }

    // Uninstalled: check mode lists every step and stops nothing; then the grower stops and init does not start it
    // again; the history and the log stay; a second run changes nothing; and it installs again as on a fresh machine.
    private static async Task UninstallAsync(IHost host, GrowerBuild build)
    {
        var running = await GrowerPidsAsync(host);
        Assert.NotEmpty(running);
        var check = await GrowerUninstaller.UninstallAsync(host, "vg0", "data0", checkMode: true);
        Assert.Equal(["remove-respawn-line", "stop-grower", "remove-launcher", "remove-metrics", "remove-policy", "remove-build"], check.Report.Steps.Select(s => s.Id));
        Assert.All(check.Report.Steps, s => Assert.Equal(StepStatus.WouldChange, s.Status));
        Assert.Equal(running, await GrowerPidsAsync(host));

        var removed = await GrowerUninstaller.UninstallAsync(host, "vg0", "data0", checkMode: false);
        Assert.True(removed.Report.Succeeded, Steps(removed.Report));
        // Debian's busybox init sends SIGTERM itself to the process of a line it no longer finds: the grower may be gone
        // before stop-grower looks.
        Assert.All(removed.Report.Steps.Where(s => s.Id != "stop-grower"), s => Assert.Equal(StepStatus.Changed, s.Status));
        Assert.Contains(removed.Report.Steps.Single(s => s.Id == "stop-grower").Status, new[] { StepStatus.Changed, StepStatus.Ok });
        Assert.Empty(await GrowerPidsAsync(host));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(await GrowerPidsAsync(host));
        var left = await host.RunAsync(HostCommand.Shell(
            $"grep -c runbook-autoextend /etc/inittab; for f in {History} {Log} {Policy} /var/lib/runbook/autoextend/vg0-data0.prom /usr/local/sbin/runbook-autoextend-vg0-data0 /opt/runbook /usr/local/bin/runbook; do [ -e $f ] && echo $f; done; true"));
        Assert.Equal(["0", History, Log], left.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(removed.Kept, k => k.StartsWith(History + ":", StringComparison.Ordinal));
        // Stopped by SIGTERM (busybox init's or stop-grower's), it ended its loop and logged its summary: not killed at once.
        var lastLines = (await host.RunAsync(HostCommand.Shell($"tail -n 3 {Log}"))).StandardOutput;
        Assert.Contains("stopped after ", lastLines, StringComparison.Ordinal);

        var again = await GrowerUninstaller.UninstallAsync(host, "vg0", "data0", checkMode: false);
        Assert.True(again.NothingInstalled, Steps(again.Report));

        var reinstalled = await GrowerInstaller.InstallAsync(host, build, PolicyLoader.Load(null, [new("volume", "vg0/data0")]), checkMode: false);
        Assert.True(reinstalled.After.Running(build.Version), Steps(reinstalled.Report));
    }

    private static async Task<string[]> GrowerPidsAsync(IHost host) =>
        (await host.RunAsync(HostCommand.Shell($"pgrep -f '[a]utoextend --policy {Policy}' || true"))).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string Steps(GrowerInstallOutcome outcome) => Steps(outcome.Report);

    private static string Steps(FixReport report) => string.Join("\n", report.Steps.Select(s => $"{s.Status} {s.Title} {s.Error}"));

    private static async Task<int> LogLinesAsync(IHost host) =>
        int.Parse((await host.RunAsync(HostCommand.Shell($"cat {Log} 2>/dev/null | wc -l"))).StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> NewLogAsync(IHost host, int mark) =>
        (await host.RunAsync(HostCommand.Shell($"tail -n +{mark + 1} {Log}"))).StandardOutput;

    /// <summary>Waits (up to 2 minutes) for a line containing <paramref name="text"/> after line <paramref name="mark"/> of the grower's log; returns that part of the log.</summary>
    private static async Task<string> WaitForLogAsync(IHost host, int mark, string text)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string log;
        while (!(log = await NewLogAsync(host, mark)).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no \"{text}\" in the grower's log within 2 minutes:\n{log}");
            await Task.Delay(1000);
        }
        return log;
    }
}
