using Runbooks.Storage;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Fixes;
using Runbooks.Storage.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Storage.Fixes;

/// <summary>
/// The storage plan over the twin as captured broken (freshly booted) and as captured after `runbook fix storage`
/// (data/captures/storage/twin-broken and twin-fixed): the order that keeps the service up, preconditions and
/// verifications that agree with the real before and after, and the refusals that protect data.
/// </summary>
public class StorageFixPlannerTests
{
    private static readonly StorageSnapshot s_broken = StorageFixtures.Snapshot("twin-broken/storage.txt");
    private static readonly StorageSnapshot s_fixed = StorageFixtures.Snapshot("twin-fixed/storage.txt");

    [Fact]
    public void The_broken_twin_is_planned_in_the_order_that_keeps_fixes_from_being_undone()
    {
        var ids = StorageFixPlanner.Plan(s_broken).Select(s => s.Id).ToList();

        Assert.Equal(10, ids.Count);
        Assert.Equal("stop-logrotated", ids[0]);
        Assert.Equal("disable-storage-line-35", ids[1]);
        Assert.Equal(["fstab-read-write", "remount-data-rw"], ids[2..4]);
        Assert.StartsWith("empty-deleted-", ids[4], StringComparison.Ordinal);
        Assert.Equal(["allocatable-loop0", "pvresize-loop2", "add-disk3", "recreate-loop1", "extend-lv"], ids[5..]);
    }

    [Fact]
    public void Every_step_is_needed_on_the_broken_twin_and_verified_by_the_fixed_one()
    {
        foreach (var step in StorageFixPlanner.Plan(s_broken))
        {
            Assert.True(step.Precondition(s_broken), $"{step.Id}: its precondition should hold on the broken twin");
            Assert.False(step.Verification(s_broken), $"{step.Id}: its verification should fail on the broken twin");
            Assert.False(step.Precondition(s_fixed), $"{step.Id}: its precondition should not hold on the fixed twin");
            Assert.True(step.Verification(s_fixed), $"{step.Id}: its verification should hold on the fixed twin ({step.VerificationText})");
        }
    }

    [Fact]
    public void The_fixed_twin_needs_nothing_and_has_no_finding()
    {
        Assert.Empty(StorageFixPlanner.Plan(s_fixed));
        Assert.Empty(StorageChecks.Run(s_fixed));
        Assert.Empty(StorageFixPlanner.Blockers(s_fixed, new StorageSettings()));
    }

    [Fact]
    public void File_edits_show_their_diff_and_keep_the_original_out_of_the_boot_folders()
    {
        var plan = StorageFixPlanner.Plan(s_broken);
        var fstab = plan.Single(s => s.Id == "fstab-read-write");
        Assert.Contains("- /dev/vg0/data0 /data ext4 defaults,ro 0 2\n+ /dev/vg0/data0 /data ext4 defaults 0 2\n", fstab.Diff, StringComparison.Ordinal);
        var boot = plan.Single(s => s.Id == "disable-storage-line-35");
        Assert.Contains($"+ {StorageFixPlanner.DisabledPrefix}setsid /usr/local/sbin/logrotated", boot.Diff, StringComparison.Ordinal);
        Assert.All(new[] { fstab, boot }, s => Assert.Contains("/var/backups/runbook/etc/", s.Commands[0].ShellLine, StringComparison.Ordinal));
        Assert.All(new[] { fstab, boot }, s => Assert.Contains("is no longer the line captured", s.Commands[0].ShellLine, StringComparison.Ordinal));
    }

    [Fact]
    public void The_deleted_file_is_emptied_in_place_rather_than_its_holder_restarted()
    {
        var step = StorageFixPlanner.Plan(s_broken).Single(s => s.Id.StartsWith("empty-deleted-", StringComparison.Ordinal));
        var held = s_broken.DeletedOpenFiles.Single(f => f.Path == "/.tempfile");

        Assert.Contains($": > /proc/{held.Pid}/fd/{held.Descriptor}", step.Commands.Single().ShellLine, StringComparison.Ordinal);
        Assert.DoesNotContain("kill", step.Commands.Single().ShellLine, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_disk_is_refused_before_anything_is_written_when_its_filesystem_has_no_room()
    {
        var create = StorageFixPlanner.Plan(s_broken).Single(s => s.Id == "add-disk3").Commands[0].ShellLine;

        Assert.Contains("fallocate -l 1887436800 '/media/disk3.img'", create, StringComparison.Ordinal);
        Assert.Matches(@"\[ ""\$free"" -ge \d+ \] \|\| \{ echo .*free space on that filesystem first.*exit 1; \}; fallocate", create);
    }

    [Fact]
    public void A_re_created_pv_still_counts_as_a_disk_so_an_interrupted_run_adds_none_too_many()
    {
        // The state between vgreduce and vgextend of loop1: three PVs in vg0 (loop3 already added), loop1 an orphan.
        var midway = s_fixed with
        {
            PhysicalVolumes = [.. s_fixed.PhysicalVolumes.Select(p => p.Name == "/dev/loop1" ? p with { VolumeGroup = null, DataOffset = 1L << 30 } : p)],
            VolumeGroups = [.. s_fixed.VolumeGroups.Select(v => v with { PhysicalVolumeCount = 3 })],
        };
        var add = StorageFixPlanner.Plan(s_broken).Single(s => s.Id == "add-disk3");
        var recreate = StorageFixPlanner.Plan(s_broken).Single(s => s.Id == "recreate-loop1");

        Assert.False(add.Precondition(midway));
        Assert.True(recreate.Precondition(midway));
    }

    [Fact]
    public void A_volume_group_that_does_not_exist_blocks_the_repair_naming_both_names()
    {
        var blockers = StorageFixPlanner.Blockers(s_broken, new StorageSettings(VolumeGroup: "vg9"));

        var only = Assert.Single(blockers);
        Assert.Contains("no volume group \"vg9\"", only, StringComparison.Ordinal);
        Assert.Contains("it has: vg0", only, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deleted_disk_image_blocks_the_repair_naming_it()
    {
        var deleted = s_broken with { LoopDevices = [.. s_broken.LoopDevices.Select(l => l.Name == "/dev/loop2" ? l with { BackingFileDeleted = true } : l)] };

        var only = Assert.Single(StorageFixPlanner.Blockers(deleted, new StorageSettings()));
        Assert.Contains("/media/disk2.img behind /dev/loop2 was deleted", only, StringComparison.Ordinal);
        Assert.Empty(StorageFixPlanner.Blockers(s_broken, new StorageSettings()));
    }

    [Fact]
    public void Only_the_remounters_are_found_not_the_lines_that_mention_remounting()
    {
        Assert.True(StorageChecks.IsRemountCommand("mount -o remount,ro /data"));
        Assert.True(StorageChecks.IsRemountCommand("/bin/mount -o ro,remount /data"));
        Assert.True(StorageChecks.IsRemountCommand("sh -c while true; do mount -o remount,ro /data; sleep 2; done"));
        Assert.False(StorageChecks.IsRemountCommand("grep -E -i ext4|xfs|remount|read-only"));
        Assert.False(StorageChecks.IsRemountCommand("mount -a"));
        Assert.False(StorageChecks.IsRemountCommand("mount -o remount,rw /data"));
        Assert.False(StorageChecks.IsRemountCommand("mount -t tmpfs -o mode=755 tmpfs /run"));
        Assert.False(StorageChecks.IsRemountCommand("umount /data"));

        var remounter = Assert.Single(StorageChecks.Remounters(s_broken, "/data"));
        Assert.Equal("/usr/local/sbin/logrotated", remounter.Script);
        // rcS remounts / read-only on its image-building path: a boot line about another mount is not a remounter.
        Assert.Equal("/etc/init.d/storage", Assert.Single(remounter.BootLines).Path);
    }

    [Fact]
    public void The_fingerprint_ignores_what_moves_on_its_own_and_sees_a_repair()
    {
        var later = s_broken with { CapturedAt = DateTimeOffset.UnixEpoch.AddMinutes(1), Processes = [], Usage = [], KernelMessages = [] };

        Assert.Equal(StorageFingerprint.Of(s_broken), StorageFingerprint.Of(later));
        Assert.NotEqual(StorageFingerprint.Of(s_broken), StorageFingerprint.Of(s_fixed));
        Assert.Contains("/dev/loop3", StorageFingerprint.Difference(s_broken, s_fixed), StringComparison.Ordinal);
    }

    [Fact]
    public void A_remounter_stopped_by_hand_is_still_found_by_the_boot_line_that_would_start_it_again()
    {
        // data/captures/storage/twin-remounter-stopped: the broken twin with the remounter's process killed.
        var stopped = StorageFixtures.Snapshot("twin-remounter-stopped/storage.txt");

        var remounter = Assert.Single(StorageChecks.Remounters(stopped, "/data"));
        Assert.Empty(remounter.Processes);
        Assert.Equal("/etc/init.d/storage", Assert.Single(remounter.BootLines).Path);
        var ids = StorageFixPlanner.Plan(stopped).Select(s => s.Id).ToList();
        Assert.Equal("disable-storage-line-35", ids[0]);
        Assert.DoesNotContain("stop-logrotated", ids);
    }
}
