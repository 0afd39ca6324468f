using System.Text.Json;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Labs.Storage;
using Runbooks.Labs.Tests.Cli;
using Runbooks.Probes;
using Runbooks.Storage;
using Runbooks.Storage.Checks;

namespace Runbooks.Labs.Tests.Storage;

/// <summary>
/// The storage runbook's library against the real broken guest: check mode that changes nothing, a repair under a
/// downtime probe that makes the challenge's test pass with no failed request and every object intact, a second
/// run with nothing to do, a reboot that keeps it all; and bad input that fails by name, losing nothing.
/// </summary>
[Collection(StorageLabCollection.Name)]
public sealed class StorageRepairTests(StorageLabFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-storage-repair-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task CheckModeChangesNothing_TheRepairKeepsTheServiceUp_IsIdempotent_AndSurvivesAReboot()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        var session = await StorageSession.ConnectAsync(lab.SshTarget());
        try
        {
            var objectsBefore = await session.ObjectChecksumsAsync("/data/objects");
            var before = await session.CaptureAsync();

            var check = await session.FixAsync(checkMode: true);
            Assert.Equal(10, check.Changed);
            Assert.All(check.Steps, s => Assert.Equal(StepStatus.WouldChange, s.Status));
            var afterCheck = await session.CaptureAsync();
            Assert.True(StorageFingerprint.Of(before) == StorageFingerprint.Of(afterCheck), StorageFingerprint.Difference(before, afterCheck));

            var manifest = await session.Host.RunAsync(HostCommand.Shell("head -n 20 /usr/local/share/objects/manifest.sha256"));
            var objects = manifest.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  ", 2)).Select(p => new ProbeObject(p[1], p[0])).ToList();
            var probe = DowntimeProbe.Start(new Uri($"http://127.0.0.1:{lab.HttpPort}/"), objects);
            var fix = await session.FixAsync(checkMode: false);
            var downtime = await probe.StopAsync();

            Assert.True(fix.Succeeded, string.Join("\n", fix.Steps.Select(s => $"{s.Status} {s.Title} {s.Error}")));
            Assert.Empty(fix.After);
            Assert.True(downtime.Requests > 100, downtime.ToString());
            Assert.True(downtime.Failures == 0, $"{downtime}\n{string.Join("\n", downtime.FirstFailures.Select(f => $"{f.At:HH:mm:ss.fff} {f.Path}: {f.What}"))}\n"
                + string.Join("\n", fix.Steps.Select(s => $"{s.Id} {s.Duration.TotalSeconds:0.0} s")));
            var test = await session.RunTestStorageAsync("--no-fill");
            Assert.True(test.ExitCode == 0, test.StandardOutput + test.StandardError);
            Assert.Equal(objectsBefore, await session.ObjectChecksumsAsync("/data/objects"));
            Assert.Equal(0, (await session.FixAsync(checkMode: false)).Changed);

            // The reboot reads fstab, the boot script that started the remounter, and the disks attached at boot.
            var disks = fix.State.LoopDevices.Select(l => (l.Name, l.BackingFile)).Order().ToList();
            session = await session.RebootAsync(lab.SshTarget(), TimeSpan.FromMinutes(3));
            var (rebooted, findings) = await session.DiagnoseAsync();
            Assert.Empty(findings);
            Assert.False(rebooted.MountAt("/data")!.ReadOnly);
            Assert.Equal(4, rebooted.PhysicalVolumes.Count(p => p.VolumeGroup == "vg0"));
            Assert.Equal(disks, rebooted.LoopDevices.Select(l => (l.Name, l.BackingFile)).Order().ToList());
            Assert.True(rebooted.LogicalVolume("vg0", "data0")!.Size >= 4L << 30);
            Assert.DoesNotContain(rebooted.Processes, p => p.CommandLine.Contains("logrotated", StringComparison.Ordinal));
            Assert.Equal(objectsBefore, await session.ObjectChecksumsAsync("/data/objects"));
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task AVolumeGroupThatDoesNotExist_IsRefusedByName_AndNothingChanges()
    {
        var lab = await fixture.UpAsync();
        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var before = await session.CaptureAsync();

        var cli = RunbookProgram.Run("--config", Catalogue(lab, volumeGroup: "vg9"), "fix", "storage", "--profile", "twin");

        Assert.True(cli.ExitCode == 3, cli.Output);
        Assert.Contains("no volume group \"vg9\" (it has: vg0)", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", cli.Stderr, StringComparison.Ordinal);
        var after = await session.CaptureAsync();
        Assert.True(StorageFingerprint.Of(before) == StorageFingerprint.Of(after), StorageFingerprint.Difference(before, after));
    }

    [Fact]
    public async Task TheCli_PlansTheBrokenMachine_AsJson_WithoutChangingIt()
    {
        var lab = await fixture.UpAsync();

        var plan = RunbookProgram.Run("--config", Catalogue(lab), "fix", "storage", "--profile", "twin", "--check", "--json");

        Assert.True(plan.ExitCode == 0, plan.Output);
        using var json = JsonDocument.Parse(plan.Stdout);
        Assert.Equal(10, json.RootElement.GetProperty("changed").GetInt32());
        Assert.All(json.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.Equal("would-change", s.GetProperty("status").GetString()));
        var diagnose = RunbookProgram.Run("--config", Catalogue(lab), "diagnose", "storage", "--profile", "twin");
        Assert.True(diagnose.ExitCode == 1, diagnose.Output);
        Assert.Contains("pv-not-allocatable", diagnose.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADiskImageDeletedWhileAttached_IsRefusedNamingIt_AndNoObjectIsLost()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var objectsBefore = await session.ObjectChecksumsAsync("/data/objects");
        await session.Host.RunAsync(HostCommand.Shell("rm /media/disk2.img"));
        var before = await session.CaptureAsync();

        var blocked = await Assert.ThrowsAsync<StorageRepairBlockedException>(() => session.FixAsync(checkMode: false));

        Assert.Contains("/media/disk2.img behind /dev/loop2 was deleted", blocked.Message, StringComparison.Ordinal);
        var after = await session.CaptureAsync();
        Assert.True(StorageFingerprint.Of(before) == StorageFingerprint.Of(after), StorageFingerprint.Difference(before, after));
        Assert.Equal(objectsBefore, await session.ObjectChecksumsAsync("/data/objects"));
    }

    [Fact]
    public async Task AFullRootFilesystem_StopsTheRepairBeforeTheNewDisk_NamingIt_AndNoObjectIsLost()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var objectsBefore = await session.ObjectChecksumsAsync("/data/objects");
        // The planted deleted file emptied, and its space taken by something the plan does not free: a plain file.
        var held = (await session.CaptureAsync()).DeletedOpenFiles.Single(f => f.Path == "/.tempfile");
        await session.Host.RunAsync(HostCommand.Shell($": > /proc/{held.Pid}/fd/{held.Descriptor}; fallocate -l $(( $(df -P -B1 / | awk 'NR == 2 {{print $4}}') - (64 << 20) )) /var/tmp/filler"));

        var fix = await session.FixAsync(checkMode: false);

        Assert.False(fix.Succeeded);
        var failed = Assert.Single(fix.Steps, s => s.Status == StepStatus.Failed);
        Assert.Equal("add-disk3", failed.Id);
        Assert.Contains("free space on that filesystem first", failed.Error, StringComparison.Ordinal);
        Assert.All(fix.Steps.SkipWhile(s => s.Id != "add-disk3").Skip(1), s => Assert.Equal(StepStatus.Skipped, s.Status));
        var state = await session.CaptureAsync();
        Assert.DoesNotContain(state.ImageFiles, i => i.Path == "/media/disk3.img");
        Assert.Equal(objectsBefore, await session.ObjectChecksumsAsync("/data/objects"));
    }

    [Fact]
    public async Task AMachineWithoutLvm_IsRefusedNamingThePackage()
    {
        var lab = await fixture.UpAsync();
        fixture.Changed();
        await using (var first = await StorageSession.ConnectAsync(lab.SshTarget()))
            await first.Host.RunAsync(HostCommand.Shell("mv /usr/sbin/lvm /usr/sbin/lvm.away"));

        var missing = await Assert.ThrowsAsync<MissingToolException>(() => StorageSession.ConnectAsync(lab.SshTarget()));

        Assert.Contains("lvm", missing.Message, StringComparison.Ordinal);
        Assert.Contains("lvm2", missing.Message, StringComparison.Ordinal);
    }

    private string Catalogue(StorageLabState lab, string volumeGroup = "vg0") => Catalogue(_folder, lab, volumeGroup);

    /// <summary>A catalogue in <paramref name="folder"/> with the repository's storage runbook and a twin profile.</summary>
    internal static string Catalogue(string folder, StorageLabState lab, string volumeGroup = "vg0")
    {
        var path = Path.Combine(folder, "nbconfig.json");
        var notebook = Path.Combine(Repository.Root(), "runbooks", "storage-lvm.ipynb");
        var parameters = JsonSerializer.Serialize(new
        {
            lab = "storage", host = "127.0.0.1", sshPort = lab.SshPort, identityFile = lab.IdentityFile, knownHostsFile = lab.KnownHostsFile,
            hostKeyPolicy = "accept-new", volumeGroup,
        });
        File.WriteAllText(path, $$"""
            { "notebooks": { "storage-lvm": { "path": {{JsonSerializer.Serialize(notebook)}}, "profiles": { "twin": { "parameters": {{parameters}} } } } } }
            """);
        return path;
    }
}
