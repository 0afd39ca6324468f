using Runbooks.Checks;
using Runbooks.Storage.Checks;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Storage.Checks;

/// <summary>
/// The storage invariants over real captures (data/captures/storage): lab.txt is a loop-device LVM set-up made on a
/// host without device-mapper (see its README), with the challenge's PV faults, an fstab that mounts /data
/// read-only and a process that remounts it; its images live in /tmp/rbsto/img rather than /media.
/// </summary>
public class StorageChecksTests
{
    private static IReadOnlyList<Finding> Lab(StorageSettings? settings = null) => StorageChecks.Run(StorageFixtures.Snapshot("lab.txt"), settings);

    private static Finding One(IEnumerable<Finding> findings, string check) =>
        Assert.Single(findings, f => f.Check == check);

    [Fact]
    public void Each_pv_fault_is_named_with_the_pvs_line_that_shows_it()
    {
        var findings = Lab();

        Assert.Contains("attr u--", One(findings, "pv-not-allocatable").Evidence[0], StringComparison.Ordinal);
        var offset = One(findings, "pv-data-offset-abnormal");
        Assert.Contains("/dev/loop1 starts its data at 1024 MiB", offset.Title, StringComparison.Ordinal);
        Assert.Contains(offset.Evidence, e => e.Contains("hold data0", StringComparison.Ordinal));
        Assert.Contains("/dev/loop2 uses 1016 MiB of its 1800 MiB device", One(findings, "pv-smaller-than-device").Title, StringComparison.Ordinal);
    }

    [Fact]
    public void The_volume_group_and_volume_are_short_of_their_sizes()
    {
        var findings = Lab();

        Assert.Equal("vg0 has 3 disks, not 4", One(findings, "vg-missing-disks").Title);
        Assert.Equal("vg0/data0 is 2.80 GiB, not 4.00 GiB", One(findings, "lv-too-small").Title);
    }

    [Fact]
    public void A_read_only_fstab_line_and_a_remounting_process_are_shown()
    {
        var findings = Lab();

        Assert.EndsWith("defaults,ro     0       2", One(findings, "fstab-mounts-read-only").Evidence[0], StringComparison.Ordinal);
        Assert.Contains(One(findings, "data-remounted").Evidence, e => e.Contains("mount -o remount,ro", StringComparison.Ordinal));
    }

    [Fact]
    public void Disks_outside_the_image_folder_are_flagged_and_inside_it_are_not()
    {
        Assert.Equal(3, Lab().Count(f => f.Check == "loop-backing-unexpected"));
        Assert.DoesNotContain(Lab(new StorageSettings(ImageDirectory: "/tmp/rbsto/img")), f => f.Check == "loop-backing-unexpected");
    }

    [Fact]
    public void Every_finding_carries_evidence_and_a_fix()
    {
        Assert.All(Lab(), f =>
        {
            Assert.NotEmpty(f.Evidence);
            Assert.False(string.IsNullOrWhiteSpace(f.Fix));
        });
    }

    [Fact]
    public void The_broken_twin_shows_its_planted_faults()
    {
        // data/captures/storage/twin-broken: `runbook capture storage --profile twin --raw …` on a freshly booted twin,
        // before its remounter's delay ran out: S1 shows as the read-only mount, the fstab line, and the remounting
        // script found by its text although its process is called "logrotated".
        var findings = StorageChecks.Run(StorageFixtures.Snapshot("twin-broken/storage.txt"));

        Assert.Equal(
            ["data-mounted-read-only", "data-remounted", "deleted-file-held-open", "fstab-mounts-read-only", "lv-too-small", "pv-data-offset-abnormal",
             "pv-not-allocatable", "pv-smaller-than-device", "root-filesystem-full", "vg-missing-disks"],
            findings.Select(f => f.Check).Order().ToArray());
        Assert.Contains(One(findings, "root-filesystem-full").Evidence, e => e.Contains("/.tempfile", StringComparison.Ordinal) && e.Contains("python3", StringComparison.Ordinal));
        var remounter = One(findings, "data-remounted").Evidence;
        Assert.Contains(remounter, e => e.StartsWith("ps: ", StringComparison.Ordinal) && e.EndsWith("/bin/sh /usr/local/sbin/logrotated 48", StringComparison.Ordinal));
        Assert.Contains("/usr/local/sbin/logrotated:6: mount -o remount,ro /data", remounter);
        Assert.Contains(remounter, e => e.StartsWith("started by /etc/init.d/storage:35: setsid /usr/local/sbin/logrotated", StringComparison.Ordinal));
    }
}
