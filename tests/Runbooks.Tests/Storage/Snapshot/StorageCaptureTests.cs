using Runbooks.Capture;
using Runbooks.Hosts;
using Runbooks.Storage.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Storage.Snapshot;

public sealed class StorageCaptureTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void LabCapture_FillsEverySection_WithoutProblems()
    {
        var snapshot = StorageFixtures.Snapshot("lab.txt");

        Assert.Empty(snapshot.Problems);
        Assert.Equal(("lab.txt", "vm", DateTimeOffset.UnixEpoch), (snapshot.Host, snapshot.Hostname, snapshot.CapturedAt));
        Assert.Equal(TimeSpan.FromSeconds(14079.17), snapshot.Uptime);
        Assert.Equal(4, snapshot.PhysicalVolumes.Length);
        Assert.Single(snapshot.VolumeGroups);
        Assert.Single(snapshot.LogicalVolumes);
        Assert.Equal(6, snapshot.LoopDevices.Length);
        Assert.NotEmpty(snapshot.BlockDevices);
        Assert.NotEmpty(snapshot.Mounts);
        Assert.NotEmpty(snapshot.Usage);
        Assert.Equal(5, snapshot.Fstab.Length);
        Assert.Equal(5, snapshot.ImageFiles.Length);
        Assert.NotEmpty(snapshot.KernelMessages);
        Assert.NotEmpty(snapshot.Processes);
    }

    [Fact]
    public void LabCapture_PhysicalVolumes_ShowTheChallengesFaults()
    {
        var snapshot = StorageFixtures.Snapshot("lab.txt");

        // S2: not allocatable.
        Assert.Equal(["/dev/loop0"], snapshot.PhysicalVolumes.Where(p => p.VolumeGroup is not null && !p.Allocatable).Select(p => p.Name));
        // S3: a 1 GiB data offset leaves 776 MiB of an 1800 MiB device.
        var offset = snapshot.PhysicalVolume("/dev/loop1")!;
        Assert.Equal((1024 * MiB, 776 * MiB), (offset.DataOffset, offset.Size));
        // S4: a PV of 1020 MiB (1016 MiB of extents) on an 1800 MiB device.
        var small = snapshot.PhysicalVolume("/dev/loop2")!;
        Assert.Equal((1800 * MiB, 1016 * MiB), (small.DeviceSize, small.Size));
        Assert.True(small.DeviceSize - small.DataOffset - small.Size > 700 * MiB);
        // A PV in no VG: no extents, and LVM's size-0 segment row is left out.
        var orphan = snapshot.PhysicalVolume("/dev/loop3")!;
        Assert.Equal((null, "---", 0L), (orphan.VolumeGroup, orphan.Attr, orphan.ExtentCount));
        Assert.Empty(orphan.Segments);
    }

    [Fact]
    public void LabCapture_TheLvAndWhereItsExtentsLie()
    {
        var snapshot = StorageFixtures.Snapshot("lab.txt");

        var data0 = snapshot.LogicalVolume("vg0", "data0")!;
        Assert.Equal(717 * 4 * MiB, data0.Size); // S6: 2.80 GiB
        // Each PV's segments agree with the LV's: extents of data0 per PV.
        var perPv = snapshot.PhysicalVolumes.ToDictionary(p => p.Name, p => p.Segments.Where(s => s.LogicalVolume == "data0").Sum(s => s.Length));
        Assert.Equal(new Dictionary<string, long> { ["/dev/loop0"] = 449, ["/dev/loop1"] = 14, ["/dev/loop2"] = 254, ["/dev/loop3"] = 0 }, perPv);
        Assert.Equal(data0.Segments.SelectMany(s => s.Ranges).GroupBy(r => r.Device).ToDictionary(g => g.Key, g => g.Sum(r => r.Length)),
            perPv.Where(p => p.Value > 0).ToDictionary());
        // The unallocatable PV still holds the LV's first 449 extents; the 1 GiB-offset PV its last 14.
        Assert.Equal(0L, snapshot.PhysicalVolume("/dev/loop0")!.Segments.Single().LogicalStart);
        Assert.Equal(703L, snapshot.PhysicalVolume("/dev/loop1")!.Segments.First().LogicalStart);
        var vg = snapshot.VolumeGroup("vg0")!;
        Assert.Equal(vg.FreeExtentCount, snapshot.PhysicalVolumes.SelectMany(p => p.Segments).Where(s => s.IsFree).Sum(s => s.Length));
    }

    [Fact]
    public void LabCapture_TheReadOnlyMount_ItsFstabLine_AndItsDevice()
    {
        var snapshot = StorageFixtures.Snapshot("lab.txt");

        var mount = snapshot.MountAt("/tmp/rbsto/mnt/data")!;
        Assert.True(mount.ReadOnly);
        Assert.Equal("/dev/loop4", mount.Source);
        var line = snapshot.Fstab.Single(e => e.MountPoint == "/tmp/rbsto/mnt/data");
        Assert.Equal((6, true), (line.Line, line.ReadOnly));
        Assert.Equal((5, true), (snapshot.Fstab.Single(e => e.MountPoint == "/data").Line, snapshot.Fstab.Single(e => e.MountPoint == "/data").ReadOnly));
        var loop = snapshot.LoopDevice("/dev/loop4")!;
        Assert.Equal(("/tmp/rbsto/img/data.img", true), (loop.BackingFile, loop.ReadOnly));
        Assert.Equal(67108864L, snapshot.ImageFiles.Single(i => i.Path == loop.BackingFile).Size);
        Assert.True(snapshot.BlockDevices.Single(b => b.KernelName == "loop4").ReadOnly);
        var usage = snapshot.UsageAt("/tmp/rbsto/mnt/data")!;
        Assert.Equal((57381888L, 16384L, 52669440L, 16384L), (usage.Size, usage.Used, usage.Available, usage.Inodes));
        Assert.Contains(snapshot.KernelMessages, m => m.Text.StartsWith("EXT4-fs (loop4): mounted filesystem", StringComparison.Ordinal) && m.SinceBoot < snapshot.Uptime);
    }

    [Fact]
    public void LabCapture_TheDeletedFileHeldOpen_AndWhoHoldsIt()
    {
        var snapshot = StorageFixtures.Snapshot("lab.txt");

        var held = snapshot.DeletedOpenFiles.Single(f => f.Path == "/tmp/rbsto/.tempfile");
        Assert.Equal((7, 40 * MiB, 5 * MiB), (held.Descriptor, held.Size, held.AllocatedBytes));
        Assert.Equal("sleep 3600", snapshot.Process(held.Pid)!.CommandLine);
        Assert.Contains(snapshot.Processes, p => p.CommandLine.Contains("mount -o remount,ro", StringComparison.Ordinal));
        // The capture's own shells hold the token and are left out of the list.
        Assert.DoesNotContain(snapshot.Processes, p => p.CommandLine.Contains("runbooks-storage-capture", StringComparison.Ordinal));
        Assert.True(snapshot.LoopDevice("/dev/loop5")!.BackingFileDeleted);
    }

    [Fact]
    public void BareCapture_WithoutLvm2_TheLvmSectionsAreProblems_NotAnException()
    {
        var snapshot = StorageFixtures.Snapshot("lab-bare.txt");

        var problem = Assert.Single(snapshot.Problems);
        Assert.Equal(("lvm", 127), (problem.Section, problem.ExitCode));
        Assert.StartsWith("lvm: command not found (exit 127): install it", problem.Message);
        Assert.Empty(snapshot.PhysicalVolumes);
        Assert.Single(snapshot.DeletedOpenFiles, f => f.Path == "/tmp/rbsto/.tempfile");
    }

    [Fact]
    public void ASectionThatDoesNotParse_IsAProblem_AndTheRestStands()
    {
        var capture = StorageFixtures.Read("lab.txt");
        var garbled = capture.Replace("\"pe_start\":\"1073741824\"", "\"pe_start\":\"1.00g\"", StringComparison.Ordinal);
        Assert.NotEqual(capture, garbled);

        var snapshot = StorageCapture.Parse("lab", garbled, DateTimeOffset.UnixEpoch);

        var problem = Assert.Single(snapshot.Problems);
        Assert.Equal(("lvm", 0), (problem.Section, problem.ExitCode));
        Assert.StartsWith("lvm fullreport --reportformat json --units b --nosuffix --configreport vg", problem.Command);
        Assert.Contains("lvm fullreport --reportformat json output, $.report[0].pv[1].pe_start: \"1.00g\" is not a whole number", problem.Message);
        Assert.Empty(snapshot.PhysicalVolumes);
        Assert.Empty(snapshot.LogicalVolumes);
        Assert.Equal(6, snapshot.LoopDevices.Length);
    }

    [Fact]
    public void ACaptureCutShort_KeepsWhatCameBefore_AndSaysWhatIsMissing()
    {
        var whole = StorageFixtures.Read("lab.txt");
        var cut = whole[..(whole.IndexOf("\"loopdevices\"", StringComparison.Ordinal) + 20)];
        var result = new CommandResult("lab", "…", 124, cut, "", DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(30));

        var snapshot = StorageCapture.Parse("lab", result);

        Assert.Equal(4, snapshot.PhysicalVolumes.Length);
        Assert.Empty(snapshot.LoopDevices);
        Assert.Equal(CaptureProblem.NoExitCode, snapshot.Problems.Single(p => p.Section == "losetup").ExitCode);
        Assert.Contains(snapshot.Problems, p => p.Section == "ps" && p.Message.Contains("stopped before it", StringComparison.Ordinal));
        Assert.Contains("the host stopped it after 30 s (remote timeout)", snapshot.Problems.Single(p => p.Section == "capture").Message);
    }

    [Fact]
    public void OutputWithoutTheHeader_IsRefusedClearly()
    {
        var error = Assert.Throws<CaptureFormatException>(() => StorageCapture.Parse("h", "Linux 6.1\n", DateTimeOffset.UnixEpoch));
        var network = Assert.Throws<CaptureFormatException>(() => StorageCapture.Parse("h", NetworkFixtures.Read("lab-bare.txt"), DateTimeOffset.UnixEpoch));

        Assert.Equal(("storage capture", "line 1"), (error.Format, error.Location));
        Assert.Contains("no \"runbooks-storage-capture 1 TOKEN\" line", error.Message);
        Assert.Contains("no \"runbooks-storage-capture 1 TOKEN\" line", network.Message);
    }

    [Fact]
    public void TheCommand_IsOneShellLineWithBothTimeouts_AndOneCommandPerSectionForTheBaseline()
    {
        var command = StorageCapture.Command();
        var perSection = StorageCapture.CommandsPerSection();

        Assert.Equal((StorageCapture.LocalTimeout, StorageCapture.RemoteTimeout, CommandValidation.None), (command.Timeout, command.RemoteTimeout, command.Validation));
        Assert.StartsWith("exec /bin/sh -c ", command.ShellLine);
        Assert.Equal(16, perSection.Count);   // one per section, attrs and lvmconfig included
        Assert.All(perSection, c => Assert.StartsWith("exec /bin/sh -c ", c.ShellLine));
    }

    [Fact]
    public async Task CaptureOfThisMachine_ThroughLocalHost_ParsesWithoutParseProblems()
    {
        await using var host = new LocalHost();
        var hostname = (await host.RunAsync(HostCommand.Exec("uname", "-n"))).StandardOutput.Trim();
        using var held = HeldDeletedFile(out var path);

        var snapshot = await StorageCapture.CaptureAsync(host);

        Assert.DoesNotContain(snapshot.Problems, p => p.ExitCode == 0 || p.ExitCode == CaptureProblem.NoExitCode);
        Assert.Equal(hostname, snapshot.Hostname);
        Assert.NotNull(snapshot.Uptime);
        Assert.NotNull(snapshot.MountAt("/"));
        Assert.NotNull(snapshot.UsageAt("/"));
        Assert.Contains(snapshot.Processes, p => p.Pid == Environment.ProcessId);
        var file = Assert.Single(snapshot.DeletedOpenFiles, f => f.Path == path);
        Assert.Equal((Environment.ProcessId, 12345L), (file.Pid, file.Size));
    }

    // A file this process keeps open after deleting it, as the challenge's object server does with /.tempfile.
    private static FileStream HeldDeletedFile(out string path)
    {
        path = Path.Combine(Path.GetTempPath(), $"rb-storage-test-{Guid.NewGuid():N}");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(new byte[12345]);
        stream.Flush();
        File.Delete(path);
        return stream;
    }

    [Theory]
    [InlineData("dash")]
    [InlineData("bash")]
    [InlineData("busybox")]
    public async Task TheScript_ParsesTheSameUnderEveryShell(string shell)
    {
        await using var host = new LocalHost();
        var script = StorageCapture.Script(StorageCapture.NewToken());
        var command = shell == "busybox" ? HostCommand.Exec("busybox", "sh", "-c", script) : HostCommand.Exec(shell, "-c", script);

        using var held = HeldDeletedFile(out var path);
        var result = await host.RunAsync(command.WithTimeout(TimeSpan.FromSeconds(30)));
        var snapshot = StorageCapture.Parse(host.Name, result);
        var reference = await StorageCapture.CaptureAsync(host);

        Assert.Equal("", result.StandardError);
        Assert.Equal(reference.Problems.Select(p => p.Section), snapshot.Problems.Select(p => p.Section));
        Assert.DoesNotContain(snapshot.Problems, p => p.ExitCode == 0 || p.ExitCode == CaptureProblem.NoExitCode);
        Assert.Equal(reference.Hostname, snapshot.Hostname);
        Assert.Equal(reference.Fstab.Select(e => (e.Line, e.Text)), snapshot.Fstab.Select(e => (e.Line, e.Text)));
        // Other work on this machine may add or remove loop devices and mounts meanwhile: only what it cannot change is compared.
        Assert.Equal(reference.MountAt("/")?.Source, snapshot.MountAt("/")?.Source);
        Assert.Equal((Environment.ProcessId, 12345L), snapshot.DeletedOpenFiles.Where(f => f.Path == path).Select(f => (f.Pid, f.Size)).Single());
        Assert.Contains(snapshot.Processes, p => p.Pid == Environment.ProcessId);
        Assert.NotEmpty(snapshot.Usage);
    }
}
