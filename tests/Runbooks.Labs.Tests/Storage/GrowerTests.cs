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

    private static SshTarget Target(StorageLabState lab) =>
        SshTargets.Create("storage", "127.0.0.1", "root", lab.SshPort, lab.IdentityFile, lab.KnownHostsFile, "accept-new");

    private async Task<StorageSession> RepairedAsync()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        var session = await StorageSession.ConnectAsync(Target(lab));
        var fix = await session.FixAsync(checkMode: false);
        Assert.True(fix.Succeeded, string.Join("\n", fix.Steps.Select(s => $"{s.Status} {s.Title} {s.Error}")));
        return session;
    }

    [Fact]
    public async Task RepairsACutOffGrow_ThenKeepsUpWithAWriter_WithNoWriteError()
    {
        await using var session = await RepairedAsync();
        // A grow cut off after lvextend, before the filesystem (what kill -9 between the two leaves).
        await session.Host.RunAsync(HostCommand.Shell("LVM_SUPPRESS_FD_WARNINGS=1 lvextend -L +500m vg0/data0"));
        var history = new HistoryFile(Path.Combine(_folder, "history.csv"));
        var policy = PolicyLoader.Load(null, [new("volume", "vg0/data0")]);
        var log = new List<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var volume = new VolumeControl(session.Host, "vg0", "data0", "/media");
        var grower = new Autoextender(new HostUsageSource(session.Host, "/data"), volume, policy,
            (r, _) => { history.Append(r); return Task.CompletedTask; }, line => { lock (log) log.Add(line); });

        var growing = grower.RunAsync(new AutoextendRun(), stop.Token);
        // 3.6 GB into a 4.5 GiB filesystem: past 80 % at full speed, the writer's own pace.
        var write = await session.Host.RunAsync(HostCommand.Shell("mkdir -p /data/load && for i in $(seq 1 36); do dd if=/dev/zero of=/data/load/$i bs=1M count=100 status=none || exit 1; done; sync")
            .WithValidation(CommandValidation.None).WithRemoteTimeout(TimeSpan.FromMinutes(3)));
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

    [Fact]
    public async Task AFullGroup_WithAPolicyOfAlerting_AlertsOnce_AndAddsNothing()
    {
        await using var session = await RepairedAsync();
        await session.Host.RunAsync(HostCommand.Shell("LVM_SUPPRESS_FD_WARNINGS=1 lvextend -r -l +100%FREE vg0/data0"));
        var policy = PolicyLoader.Load(null, [new("volume", "vg0/data0"), new("usedPercentThreshold", "1"), new("whenGroupFull", "alert")]);
        var records = new List<GrowthRecord>();
        var volume = new VolumeControl(session.Host, "vg0", "data0", "/media");
        var grower = new Autoextender(new HostUsageSource(session.Host, "/data"), volume, policy,
            (r, _) => { records.Add(r); return Task.CompletedTask; }, _ => { });
        await session.Host.RunAsync(HostCommand.Shell("dd if=/dev/zero of=/data/ballast bs=1M count=200 status=none"));

        var summary = await grower.RunAsync(new AutoextendRun(RunFor: TimeSpan.FromSeconds(20)));

        Assert.Equal(1, summary.Alerts);
        Assert.Equal(0, summary.Extends);
        Assert.Equal(0, summary.DisksAdded);
        Assert.Contains(nameof(AlertKind.GroupFull), records.Single(r => r.Kind == GrowthEvent.Alert).Detail ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain((await session.CaptureAsync()).ImageFiles, i => i.Path == "/media/disk4.img");
    }
}
