using Runbooks.Autoextend;
using Runbooks.Autoextend.Decisions;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Policy;
using Runbooks.Autoextend.Runtime;
using Runbooks.Hosts;
using Runbooks.Labs.Storage;
using Runbooks.Storage;

namespace Runbooks.Labs.Tests.Storage;

/// <summary>
/// The grower against the real repaired guest, over ssh: it repairs a grow cut off between the LV and its filesystem,
/// keeps up with a writer with no write error, records every sample and action; and with a full VG and a policy of
/// alerting, alerts once and never loops.
/// </summary>
[Collection(StorageLabCollection.Name)]
public sealed class GrowerTests(StorageLabFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-grower-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // One repaired guest for every case: a repair costs about a minute under emulation. The challenge's full fill
    // with the grower runs in the storage runbook itself (CI's main job), so here the writes are small.
    [Fact]
    public async Task RepairsACutOffGrow_GrowsPastTheThreshold_AndWithAFullGroupAndAnAlertingPolicy_AlertsOnce()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var fix = await session.FixAsync(checkMode: false);
        Assert.True(fix.Succeeded, string.Join("\n", fix.Steps.Select(s => $"{s.Status} {s.Title} {s.Error}")));
        var volume = new VolumeControl(session.Host, "vg0", "data0", "/media");
        var usage = new HostUsageSource(session.Host, "/data");

        // A grow cut off after lvextend, before the filesystem (what kill -9 between the two leaves), then 300 MB
        // written past a 5 % threshold.
        await session.Host.RunAsync(HostCommand.Shell("LVM_SUPPRESS_FD_WARNINGS=1 lvextend -L +500m vg0/data0"));
        var history = new HistoryFile(Path.Combine(_folder, "history.csv"));
        var log = new List<string>();
        var grower = new Autoextender(usage, volume, PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("usedPercentThreshold", "5")]),
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

        // The VG given away entirely; a policy that alerts rather than adding a disk.
        await session.Host.RunAsync(HostCommand.Shell("LVM_SUPPRESS_FD_WARNINGS=1 lvextend -r -l +100%FREE vg0/data0"));
        var images = (await session.CaptureAsync()).ImageFiles.Select(i => i.Path).Order().ToList();
        var alerts = new List<GrowthRecord>();
        var alerting = new Autoextender(usage, volume, PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("usedPercentThreshold", "1"), new("whenGroupFull", "alert")]),
            (r, _) => { alerts.Add(r); return Task.CompletedTask; }, _ => { });

        var full = await alerting.RunAsync(new AutoextendRun(RunFor: TimeSpan.FromSeconds(15)));

        Assert.Equal(1, full.Alerts);
        Assert.Equal(0, full.Extends);
        Assert.Equal(0, full.DisksAdded);
        Assert.Contains(nameof(AlertKind.GroupFull), alerts.Single(r => r.Kind == GrowthEvent.Alert).Detail ?? "", StringComparison.Ordinal);
        Assert.Equal(images, (await session.CaptureAsync()).ImageFiles.Select(i => i.Path).Order().ToList());
    }
}
