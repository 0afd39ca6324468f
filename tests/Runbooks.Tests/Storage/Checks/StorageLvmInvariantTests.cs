using System.Diagnostics;
using Runbooks.Checks;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Fixes;
using Runbooks.Storage.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Storage.Checks;

/// <summary>
/// LVM's own view over the repaired twin (data/captures/storage/twin-fixed) with LVM's configuration or a disk changed
/// as the fault-injection suite changes the real twin: a filter hiding the pool, an activation list leaving it out, a
/// disk detached.
/// </summary>
public class StorageLvmInvariantTests
{
    private static readonly StorageSnapshot s_fixed = StorageFixtures.Snapshot("twin-fixed/storage.txt");

    private static readonly LvmSetting s_hidingFilter = new("devices/global_filter", "[\"r|^/dev/loop[0-9]|\",\"a|.*|\"]");

    private static Finding One(StorageSnapshot s, string check) => Assert.Single(StorageChecks.Run(s), f => f.Check == check);

    /// <summary>What LVM reports once the filter hides every loop device: no PV, no VG, no LV.</summary>
    private static StorageSnapshot Hidden() => s_fixed with
    {
        PhysicalVolumes = [], VolumeGroups = [], LogicalVolumes = [],
        LvmSettings = [s_hidingFilter],
    };

    [Fact]
    public void The_repaired_twin_has_no_lvm_finding()
    {
        Assert.DoesNotContain(StorageChecks.Run(s_fixed), f => f.Check is "lvm-filter-hides-disks" or "lvm-activation-restricted" or "pv-missing" or "lvm-warnings");
        Assert.DoesNotContain(StorageFixPlanner.Plan(s_fixed), step => step.Id.StartsWith("lvm-", StringComparison.Ordinal) || step.Id == "attach-disks");
    }

    [Fact]
    public void A_filter_hiding_the_pool_is_named_with_its_pattern_and_does_not_block_the_repair()
    {
        var hidden = Hidden();

        var finding = One(hidden, "lvm-filter-hides-disks");
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains("lvmconfig: devices/global_filter=", finding.Evidence[0], StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("rejected by \"r|^/dev/loop[0-9]|\"", StringComparison.Ordinal));
        // The VG is not gone, it is hidden: the repair is not refused as if the profile named the wrong VG.
        Assert.Empty(StorageFixPlanner.Blockers(hidden, new StorageSettings()));
        Assert.NotEmpty(StorageFixPlanner.Blockers(hidden with { LvmSettings = [] }, new StorageSettings()));

        var step = StorageFixPlanner.Plan(hidden)[0];
        Assert.Equal("lvm-unset-global-filter", step.Id);
        Assert.Contains(OpenFinding.Key(finding), step.Clears);
        Assert.True(step.Precondition(hidden));
        Assert.False(step.Verification(hidden));
        Assert.True(step.Verification(s_fixed));
    }

    [Fact]
    public void Captured_from_the_twin_with_the_filter_the_vg_is_hidden_not_missing_and_the_only_step_is_the_filter()
    {
        var filtered = StorageFixtures.Snapshot("twin-lvm-filtered/storage.txt");

        Assert.Empty(filtered.VolumeGroups);
        Assert.Contains(filtered.LvmSettings, x => x.Path == "activation/udev_sync");   // the twin's own, harmless
        var finding = One(filtered, "lvm-filter-hides-disks");
        Assert.Equal(4, finding.Evidence.Count(e => e.StartsWith("losetup: /dev/loop", StringComparison.Ordinal)));
        Assert.Empty(StorageFixPlanner.Blockers(filtered, new StorageSettings()));
        Assert.Equal(["lvm-unset-global-filter"], StorageFixPlanner.Plan(filtered).Select(p => p.Id).ToArray());
    }

    [Fact]
    public void Captured_from_the_twin_with_a_disk_detached_lvm_s_warnings_name_it_and_its_image_is_attached()
    {
        var detached = StorageFixtures.Snapshot("twin-disk-detached/storage.txt");

        Assert.Equal(2, detached.LvmWarnings.Length);
        var finding = One(detached, "pv-missing");
        Assert.Contains(finding.Evidence, e => e.StartsWith("lvm: WARNING: VG vg0 is missing PV", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.StartsWith("not attached: /media/", StringComparison.Ordinal));
        Assert.DoesNotContain(StorageChecks.Run(detached), f => f.Check == "lvm-warnings");   // explained by pv-missing
        Assert.Empty(StorageFixPlanner.Blockers(detached, new StorageSettings()));
        Assert.Equal("attach-disks", StorageFixPlanner.Plan(detached)[0].Id);
    }

    [Fact]
    public void A_filter_that_accepts_the_loop_devices_is_no_finding()
    {
        var accepting = s_fixed with { LvmSettings = [new("devices/filter", "[\"a|^/dev/loop|\",\"r|.*|\"]")] };

        Assert.DoesNotContain(StorageChecks.Run(accepting), f => f.Check == "lvm-filter-hides-disks");
    }

    [Theory]
    [InlineData("activation/volume_list", "\"vg-other\"", true, Severity.Error)]
    [InlineData("activation/auto_activation_volume_list", "[\"vg-other\"]", true, Severity.Warning)]
    [InlineData("activation/volume_list", "[\"vg0/data0\"]", false, Severity.Error)]
    [InlineData("activation/volume_list", "[\"@prod\"]", false, Severity.Error)]
    public void An_activation_list_without_the_volume_is_named(string path, string value, bool named, Severity severity)
    {
        var restricted = s_fixed with { LvmSettings = [new(path, value)] };

        var findings = StorageChecks.Run(restricted).Where(f => f.Check == "lvm-activation-restricted").ToList();

        Assert.Equal(named, findings.Count == 1);
        if (named)
        {
            Assert.Equal(severity, findings[0].Severity);
            Assert.Contains(StorageFixPlanner.Plan(restricted), step => step.Clears.Contains(OpenFinding.Key(findings[0])));
        }
    }

    [Fact]
    public void A_detached_disk_is_named_and_its_image_attached_again()
    {
        var loop = s_fixed.LoopDevices.First(l => l.BackingFile.StartsWith("/media/", StringComparison.Ordinal));
        var pv = s_fixed.PhysicalVolume(loop.Name)!;
        var detached = s_fixed with
        {
            LoopDevices = s_fixed.LoopDevices.Remove(loop),
            PhysicalVolumes = s_fixed.PhysicalVolumes.Replace(pv, pv with { Name = "[unknown]", Attr = "a-m" }),
            LvmWarnings = ["WARNING: Couldn't find device with uuid 8M5qVq-Hozf-drFx-HxuH-BOuY-lynp-zH7D7s."],
        };

        var finding = One(detached, "pv-missing");
        Assert.Contains(finding.Evidence, e => e == $"not attached: {loop.BackingFile}");
        Assert.Contains(finding.Evidence, e => e.StartsWith("lvm: WARNING: Couldn't find device", StringComparison.Ordinal));
        Assert.Empty(StorageFixPlanner.Blockers(detached, new StorageSettings()));

        var step = Assert.Single(StorageFixPlanner.Plan(detached), s => s.Id == "attach-disks");
        Assert.Contains(loop.BackingFile, step.Commands.Single().CommandLine, StringComparison.Ordinal);
        Assert.True(step.Precondition(detached));
        Assert.True(step.Verification(s_fixed));
        // With no image to attach, a human must find the disk: the repair stops before anything changes.
        Assert.NotEmpty(StorageFixPlanner.Blockers(detached with { ImageFiles = [.. detached.ImageFiles.Where(i => i.Path != loop.BackingFile)] }, new StorageSettings()));
    }

    [Fact]
    public void Warnings_nothing_else_explains_are_kept_as_a_finding()
    {
        var warned = s_fixed with { LvmWarnings = ["WARNING: Not using device /dev/loop5 for PV abc."] };

        Assert.Equal(Severity.Warning, One(warned, "lvm-warnings").Severity);
    }

    [Fact]
    public void The_step_comments_the_whole_setting_out_of_lvm_conf_and_keeps_the_original()
    {
        var root = Directory.CreateTempSubdirectory("rb-lvmconf-").FullName;
        try
        {
            var conf = Path.Combine(root, "lvm.conf");
            File.WriteAllText(conf, "devices {\n\tglobal_filter = [ \"r|^/dev/loop[0-9]|\",\n\t\t\"a|.*|\" ]\n\t# filter = [ \"a|.*|\" ]\n\tscan = [ \"/dev\" ]\n}\n");
            var step = StorageFixPlanner.Plan(Hidden())[0];
            var line = step.Commands.Single().CommandLine
                .Replace("/etc/lvm/lvm.conf", conf, StringComparison.Ordinal)
                .Replace("/etc/lvm/lvmlocal.conf", Path.Combine(root, "lvmlocal.conf"), StringComparison.Ordinal)
                .Replace(FileBackup.Folder, Path.Combine(root, "backups"), StringComparison.Ordinal);

            Assert.Equal(0, Bash(line));
            var lines = File.ReadAllLines(conf);
            Assert.StartsWith(StorageFixPlanner.DisabledLvmPrefix, lines[1], StringComparison.Ordinal);
            Assert.StartsWith(StorageFixPlanner.DisabledLvmPrefix, lines[2], StringComparison.Ordinal);
            Assert.Equal("\tscan = [ \"/dev\" ]", lines[4]);
            Assert.True(File.Exists(Path.Combine(root, "backups") + conf));
            // A second run finds nothing left to switch off in the files, and says so.
            Assert.Equal(1, Bash(line));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static int Bash(string line)
    {
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-c", line]) { RedirectStandardError = true })!;
        bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        return bash.ExitCode;
    }
}
