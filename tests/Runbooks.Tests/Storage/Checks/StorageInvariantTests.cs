using Runbooks.Checks;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Fixes;
using Runbooks.Storage.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Storage.Checks;

/// <summary>
/// Invariants beyond the planted faults, over the repaired twin as captured (data/captures/storage/twin-fixed) with one
/// thing changed the way the fault-injection suite breaks the real twin: the finding, its evidence and the step that
/// clears it, whose verification agrees with the state before and after.
/// </summary>
public class StorageInvariantTests
{
    private static readonly StorageSnapshot s_fixed = StorageFixtures.Snapshot("twin-fixed/storage.txt");

    private static Finding One(StorageSnapshot s, string check) => Assert.Single(StorageChecks.Run(s), f => f.Check == check);

    [Fact]
    public void The_repaired_twin_breaks_none_of_them()
    {
        Assert.DoesNotContain(StorageChecks.Run(s_fixed), f => f.Check is "data-mounted-from-wrong-source" or "lv-inactive" or "pv-device-read-only");
        Assert.True(StorageChecks.IsVolume(s_fixed, s_fixed.MountAt("/data")!.Source, new StorageSettings()));
    }

    [Fact]
    public void A_filesystem_mounted_over_the_volume_is_named_and_unmounted()
    {
        var data = s_fixed.MountAt("/data")!;
        var tmpfs = data with { Id = 99, ParentId = data.Id, Source = "tmpfs", FsType = "tmpfs" };
        var broken = s_fixed with { Mounts = s_fixed.Mounts.Add(tmpfs) };

        var finding = One(broken, "data-mounted-from-wrong-source");
        Assert.Contains("/data shows tmpfs (tmpfs), not vg0/data0", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("/dev/mapper/vg0-data0", StringComparison.Ordinal));   // the volume underneath

        var step = Assert.Single(StorageFixPlanner.Plan(broken), p => p.Id == "unmount-over-data");
        Assert.Contains(OpenFinding.Key(finding), step.Clears);
        Assert.True(step.Precondition(broken));
        Assert.True(step.Verification(s_fixed));
    }

    [Fact]
    public void An_inactive_volume_is_named_and_activated()
    {
        var lv = s_fixed.LogicalVolume("vg0", "data0")!;
        var broken = s_fixed with { LogicalVolumes = s_fixed.LogicalVolumes.Replace(lv, lv with { Attr = "-wi-------" }) };

        Assert.Contains("-wi-------", One(broken, "lv-inactive").Evidence[0], StringComparison.Ordinal);
        var step = Assert.Single(StorageFixPlanner.Plan(broken), p => p.Id == "activate-lv");
        Assert.Equal("lvchange -ay vg0/data0", step.Commands.Single().Description ?? step.Commands.Single().CommandLine);
        Assert.False(step.Verification(broken));
        Assert.True(step.Verification(s_fixed));
    }

    [Fact]
    public void A_read_only_disk_of_the_pool_is_named_and_made_writable()
    {
        var loop = s_fixed.LoopDevices.First(l => s_fixed.PhysicalVolumes.Any(p => p.Name == l.Name && p.VolumeGroup == "vg0"));
        var broken = s_fixed with { LoopDevices = s_fixed.LoopDevices.Replace(loop, loop with { ReadOnly = true }) };

        Assert.StartsWith($"{loop.Name}, a disk of vg0, is read-only", One(broken, "pv-device-read-only").Title, StringComparison.Ordinal);
        var step = Assert.Single(StorageFixPlanner.Plan(broken), p => p.Id.StartsWith("read-write-", StringComparison.Ordinal));
        Assert.Contains("--setrw", step.Commands.Single().CommandLine, StringComparison.Ordinal);
        Assert.True(step.Precondition(broken));
        Assert.True(step.Verification(s_fixed));
    }

    [Fact]
    public void An_immutable_mount_point_is_named_and_made_writable_again()
    {
        var broken = s_fixed with { MountRootAttributes = [new("/data", "----i---------e-------")] };

        Assert.Contains("lsattr -d: ----i---------e------- /data", One(broken, "data-immutable").Evidence[0], StringComparison.Ordinal);
        var step = Assert.Single(StorageFixPlanner.Plan(broken), p => p.Id == "data-mutable");
        Assert.True(step.Precondition(broken));
        Assert.True(step.Verification(s_fixed with { MountRootAttributes = [new("/data", "--------------e-------")] }));
        Assert.DoesNotContain(StorageChecks.Run(s_fixed), f => f.Check == "data-immutable");
    }

    [Fact]
    public void What_could_not_be_captured_is_an_error_of_its_own_not_a_volume_group_that_is_missing()
    {
        var blind = s_fixed with
        {
            PhysicalVolumes = [], VolumeGroups = [], LogicalVolumes = [],
            Problems = [new("lvm", "lvm fullreport", 124, "timed out after 30 s (the VG lock was held)")],
        };

        var findings = StorageChecks.Run(blind);

        Assert.Equal(Severity.Error, One(blind, "capture-incomplete").Severity);
        Assert.DoesNotContain(findings, f => f.Check is "vg-missing" or "vg-missing-disks" or "lv-too-small");
    }
}
