using System.Collections.Immutable;

namespace Runbooks.Labs.Tests.Faults;

/// <summary>
/// Ways the repaired storage twin breaks again, one at a time, beyond the challenge's planted faults: what happens to
/// LVM on loop disks in real fleets (a remount by hand or by a new script, a PV taken out, a filesystem mounted over
/// the volume, a disk gone read-only, a boot line restored, space held by a deleted file, data lost, LVM's configuration hiding or refusing the pool).
/// </summary>
public static class StorageFaults
{
    private const string Machine = "storage";

    // The first PV of vg0 holding no extent: one can go without moving data.
    private const string EmptyPv = "$(pvs --noheadings -o pv_name,pv_pe_alloc_count -S vg_name=vg0 | awk '$2 == 0 {print $1; exit}')";
    private const string AnyPv = "$(pvs --noheadings -o pv_name -S vg_name=vg0 | awk 'NR == 1 {print $1}')";

    private static InjectedFault Fault(string id, string what, string inject, string[] namedBy, bool fast = false) =>
        new(id, what, [new FaultCommand(Machine, inject)], [.. namedBy], fast);

    public static ImmutableArray<InjectedFault> All { get; } =
    [
        // Mounts.
        Fault("data-remounted-ro", "someone remounted /data read-only by hand",
            "mount -o remount,ro /data", ["data-mounted-read-only"], fast: true),
        Fault("data-unmounted", "/data lazily unmounted",
            "umount -l /data", ["data-not-mounted"]),
        Fault("fstab-read-only-again", "/etc/fstab mounts /data read-only again",
            "awk '$2 == \"/data\" {$4 = $4 \",ro\"} {print}' /etc/fstab > /etc/fstab.new && mv /etc/fstab.new /etc/fstab", ["fstab-mounts-read-only"]),
        Fault("fstab-line-removed", "the /data line is gone from /etc/fstab",
            "sed -i '\\|[[:space:]]/data[[:space:]]|d' /etc/fstab", ["fstab-missing-mount"]),
        Fault("tmpfs-over-data", "a tmpfs mounted over /data",
            "mount -t tmpfs tmpfs /data", ["data-mounted-from-wrong-source"], fast: true),

        // What remounts it.
        Fault("new-remounter", "a new loop under an innocent name remounts /data read-only every 2 s",
            "printf '#!/bin/sh\\nwhile :; do mount -o remount,ro /data; sleep 2; done\\n' > /usr/local/sbin/quota-sync && chmod +x /usr/local/sbin/quota-sync && "
            + "(setsid /usr/local/sbin/quota-sync </dev/null >/dev/null 2>&1 &) && sleep 3",
            ["data-remounted"], fast: true),
        Fault("remounter-boot-line-restored", "the boot line that started the old remounter was restored",
            "sed -i 's/^# disabled by runbook (restarted a remounter): //' /etc/init.d/storage && grep -q logrotated /etc/init.d/storage",
            ["data-remounted"]),

        // LVM and the disks.
        Fault("pv-not-allocatable", "a PV of vg0 made non-allocatable",
            $"pvchange -qq -x n {AnyPv}", ["pv-not-allocatable"], fast: true),
        Fault("pv-taken-out", "an empty PV taken out of vg0 (vgreduce)",
            $"pv={EmptyPv}; [ -n \"$pv\" ] && vgreduce -qq vg0 \"$pv\"", ["vg-missing-disks"]),
        Fault("disk-read-only", "a disk of vg0 set read-only (blockdev --setro)",
            $"blockdev --setro {AnyPv}", ["pv-device-read-only"]),
        Fault("disk-detached", "an empty disk's loop device detached (losetup -d): its PV is missing from vg0",
            $"pv={EmptyPv}; [ -n \"$pv\" ] && losetup -d \"$pv\"", ["pv-missing"]),
        Fault("lvm-filter-hides-loops", "a global_filter in lvm.conf rejects every loop device (a list over two lines)",
            "sed -i '/^devices {/a\\\tglobal_filter = [ \"r|^/dev/loop[0-9]|\",\\n\\t\\t\"a|.*|\" ]' /etc/lvm/lvm.conf && lvmconfig devices/global_filter",
            ["lvm-filter-hides-disks"], fast: true),
        Fault("lvm-volume-list", "activation/volume_list in lvm.conf names another VG only: vg0 cannot be activated",
            "sed -i '/^activation {/a\\\tvolume_list = [ \"vg-other\" ]' /etc/lvm/lvm.conf && lvmconfig activation/volume_list",
            ["lvm-activation-restricted"]),
        Fault("all-pvs-not-allocatable", "every PV of vg0 made non-allocatable",
            "pvchange -qq -x n $(pvs --noheadings -o pv_name -S vg_name=vg0)", ["pv-not-allocatable"]),

        // Space and data.
        Fault("root-full-deleted-file", "the root filesystem filled by a deleted file a process still holds",
            "avail=$(df -BM --output=avail / | tail -n 1 | tr -dc 0-9); fallocate -l $((avail - 100))M /.hog && "
            + "(setsid sh -c 'exec 3</.hog; rm -f /.hog; exec sleep 100000' </dev/null >/dev/null 2>&1 &) && sleep 1",
            ["root-filesystem-full", "deleted-file-held-open"]),
        Fault("data-immutable", "/data made immutable (chattr +i): nothing can be created in it",
            "chattr +i /data", ["data-immutable"]),
        Fault("object-deleted", "an object deleted from /data/objects",
            "rm -f \"/data/objects/$(ls /data/objects | head -n 1)\"", ["probe-objects-intact"], fast: true),
        Fault("object-corrupted", "an object's bytes changed",
            "f=\"/data/objects/$(ls /data/objects | tail -n 1)\"; printf 'x' | dd of=\"$f\" bs=1 seek=0 conv=notrunc status=none", ["probe-objects-intact"]),
    ];
}
