using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Checks;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage.Checks;

/// <summary>What the storage must look like: where the volume is mounted, its VG and LV, and the disks it should have.</summary>
/// <param name="MountPoint">Where the data filesystem belongs.</param>
/// <param name="DiskCount">How many PVs the VG must have.</param>
/// <param name="DiskSize">The size of each disk image, in bytes (1800 MiB: 1887436800).</param>
/// <param name="LogicalVolumeSize">The LV's required size, in bytes.</param>
/// <param name="ImageDirectory">Where the disk images live.</param>
/// <param name="RootFullPercent">The root filesystem above this Use% is a finding.</param>
/// <param name="ObjectManifest">A `sha256sum` list of the objects the machine stores; the fix checks them against it
/// when the file exists (the challenge's test does the same).</param>
/// <param name="ObjectDirectory">Where the manifest's paths are relative to.</param>
public sealed record StorageSettings(
    string MountPoint = "/data",
    string VolumeGroup = "vg0",
    string LogicalVolume = "data0",
    int DiskCount = 4,
    long DiskSize = 1887436800,
    long LogicalVolumeSize = 4L << 30,
    string ImageDirectory = "/media",
    int RootFullPercent = 90,
    string ObjectManifest = "/usr/local/share/objects/manifest.sha256",
    string ObjectDirectory = "/data/objects");

/// <summary>
/// The invariants of a healthy data volume, over one snapshot: mounted read-write where it belongs with fstab
/// agreeing and nothing remounting it; every PV allocatable, whole and with a normal data offset; the VG with its
/// disks at their size; the LV at its size with the filesystem filling it; room on the root filesystem and no
/// deleted file held open; every loop device backed by an image where the images live.
/// </summary>
public static partial class StorageChecks
{
    /// <summary>LVM's default first extent is at 1 MiB; anything far beyond it wastes the device.</summary>
    public const long NormalDataOffsetLimit = 16L << 20;

    /// <summary>A deleted file held open is a finding from this size on; smaller ones are the normal life of a machine.</summary>
    public const long HeldOpenLimit = 64L << 20;

    /// <summary>The PV leaves more than two extents of its device unused (past its data offset).</summary>
    public static bool SmallerThanDevice(PhysicalVolume pv, long extentSize) => pv.DeviceSize - pv.DataOffset - pv.Size > 2 * extentSize;

    /// <summary>The filesystem on the mount point is well short of its LV: the LV was extended without it.</summary>
    public static bool FilesystemSmallerThanVolume(StorageSnapshot s, StorageSettings c) =>
        s.LogicalVolume(c.VolumeGroup, c.LogicalVolume) is { } lv && s.UsageAt(c.MountPoint) is { } usage
        && lv.Size - usage.Size > 64L << 20 && usage.Size < lv.Size * 0.95;

    public static ImmutableArray<Finding> Run(StorageSnapshot s, StorageSettings? settings = null)
    {
        settings ??= new StorageSettings();
        var findings = new List<Finding>();
        // Without LVM's report or the mount table the volume's health cannot be told: an error, and the checks that read
        // the missing section are left out rather than reporting what they cannot see ("no volume group") as a fault.
        bool Missing(string section) => s.Problems.Any(p => p.Section == section);
        findings.AddRange(s.Problems.Select(p => new Finding("capture-incomplete", p.Section is "lvm" or "findmnt" ? Severity.Error : Severity.Warning, s.Hostname,
            $"Part of the state could not be captured: {p.Section}", "Checks that need it see nothing there.", [$"{p.Command} (exit {p.ExitCode}): {p.Message}"],
            "Install the missing tool, or wait for what held it (an LVM lock, a loaded machine), then capture again.")));
        if (!Missing("findmnt"))
            findings.AddRange(Mount(s, settings));
        if (!Missing("lvm"))
        {
            findings.AddRange(LvmItself(s, settings));
            findings.AddRange(PhysicalVolumes(s, settings));
            findings.AddRange(VolumeGroupAndVolume(s, settings));
            findings.AddRange(LoopDevices(s, settings));
        }
        findings.AddRange(RootAndDeletedFiles(s, settings));
        return [.. findings];
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB";

    private static string Mib(long bytes) => (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB";

    private static IEnumerable<Finding> Mount(StorageSnapshot s, StorageSettings c)
    {
        var mount = s.MountAt(c.MountPoint);
        var fstab = s.Fstab.LastOrDefault(f => f.MountPoint == c.MountPoint);
        if (mount is null)
            yield return new Finding("data-not-mounted", Severity.Error, s.Hostname, $"Nothing is mounted at {c.MountPoint}",
                "The service's objects live there.", [$"findmnt: no {c.MountPoint}", fstab is null ? $"/etc/fstab: no {c.MountPoint}" : $"/etc/fstab:{fstab.Line}: {fstab.Text}"],
                $"mount {c.MountPoint}");
        else if (!IsVolume(s, mount.Source, c))
            yield return new Finding("data-mounted-from-wrong-source", Severity.Error, s.Hostname, $"{c.MountPoint} shows {mount.Source} ({mount.FsType}), not {c.VolumeGroup}/{c.LogicalVolume}",
                "Something is mounted over the volume (or in its place): whatever is written now lands there, not in the volume, and is lost at the next unmount.",
                [.. s.Mounts.Where(m => m.Target == c.MountPoint).Select(m => $"findmnt: {m.Target} {m.Source} {m.FsType} {string.Join(",", m.Options)} (id {m.Id})"),
                 fstab is null ? $"/etc/fstab: no {c.MountPoint}" : $"/etc/fstab:{fstab.Line}: {fstab.Text}"],
                $"umount {c.MountPoint} (the mount on top), then mount the volume if it is not underneath");
        else if (mount.ReadOnly)
            yield return new Finding("data-mounted-read-only", Severity.Error, s.Hostname, $"{c.MountPoint} is mounted read-only",
                "Every write fails with EROFS; the service can serve but not store.",
                [$"findmnt: {mount.Target} {mount.Source} {mount.FsType} {string.Join(",", mount.Options)}"],
                $"mount -o remount,rw {c.MountPoint}");
        if (mount is not null && s.MountRootAttributes.FirstOrDefault(a => a.Path == c.MountPoint) is { } attributes && (attributes.Immutable || attributes.AppendOnly))
            yield return new Finding("data-immutable", Severity.Error, s.Hostname, $"{c.MountPoint} is {(attributes.Immutable ? "immutable" : "append-only")} (chattr +{(attributes.Immutable ? "i" : "a")})",
                "Nothing can be created (immutable) or removed (append-only) at the top of the volume, by root either: the service's writes fail with EPERM while the mount looks healthy.",
                [$"lsattr -d: {attributes.Flags} {attributes.Path}"], $"chattr -i -a {c.MountPoint}");
        if (fstab?.ReadOnly == true)
            yield return new Finding("fstab-mounts-read-only", Severity.Error, s.Hostname, $"/etc/fstab mounts {c.MountPoint} read-only",
                "The next boot (or `mount -a`) brings the fault back.", [$"/etc/fstab:{fstab.Line}: {fstab.Text}"],
                "Drop `ro` from the line's options");
        else if (fstab is null && mount is not null)
            yield return new Finding("fstab-missing-mount", Severity.Warning, s.Hostname, $"/etc/fstab has no line for {c.MountPoint}",
                "After a reboot the volume is not mounted.", [$"/etc/fstab: {s.Fstab.Length} entries, none for {c.MountPoint}"],
                $"Add `{mount.Source} {c.MountPoint} {mount.FsType} defaults 0 2`");

        var remounters = Remounters(s, c.MountPoint);
        if (remounters.Length > 0)
        {
            var remounts = s.KernelMessages.Where(m => m.Text.Contains("re-mounted", StringComparison.OrdinalIgnoreCase) || m.Text.Contains("remount", StringComparison.OrdinalIgnoreCase));
            yield return new Finding("data-remounted", Severity.Error, s.Hostname, $"Something remounts filesystems while the machine runs",
                "A remount to read-only after boot undoes any `remount,rw`: it has to be found and stopped first, and kept from starting again at boot.",
                [.. remounters.SelectMany(r => r.Processes).Distinct().Select(p => $"ps: {p.Pid} (up {p.ElapsedSeconds} s) {p.CommandLine}"),
                 .. remounters.SelectMany(r => r.RemountLines).Distinct().Select(l => $"{l.Path}:{l.Line}: {l.Text.Trim()}"),
                 .. remounters.SelectMany(r => r.BootLines).Distinct().Select(l => $"started by {l.Path}:{l.Line}: {l.Text.Trim()}"),
                 .. remounts.TakeLast(5).Select(m => $"dmesg [{m.SinceBoot?.TotalSeconds:0.0}]: {m.Text}")],
                "Stop the process that remounts it and what starts it at boot, then remount read-write");
        }
        if (s.BootLines.Length > 0 && !s.BootLines.Any(l => !IsComment(l.Text) && l.Text.Contains("losetup", StringComparison.Ordinal)))
            yield return new Finding("disks-not-attached-at-boot", Severity.Warning, s.Hostname, "Nothing in the boot files attaches loop devices",
                $"After a reboot the disks of {c.VolumeGroup} may not be there, and {c.MountPoint} with them.",
                [.. s.BootLines.Where(l => !IsComment(l.Text)).Take(8).Select(l => $"{l.Path}:{l.Line}: {l.Text.Trim()}")],
                "Find how this machine attaches its disk images at boot, and add the missing ones there");
    }

    /// <summary>
    /// What remounts filesystems behind the admin's back: a script a running shell executes that remounts (with the
    /// processes running it and the boot or cron lines that start it), a boot or cron line that remounts the data by itself,
    /// or a running command line that does.
    /// </summary>
    /// <param name="mountPoint">A boot or cron line counts when it remounts this one (a build or shutdown path that
    /// remounts / read-only is normal); a script a running shell executes counts whatever it remounts.</param>
    public static ImmutableArray<Remounter> Remounters(StorageSnapshot s, string mountPoint)
    {
        var found = new List<Remounter>();
        var scriptLines = s.MountLinesInScripts.Where(l => !IsComment(l.Text) && IsRemountCommand(l.Text.Trim())).ToList();
        foreach (var script in scriptLines.GroupBy(l => l.Path))
        {
            // A boot script that remounts by itself is a boot line below, not a script.
            if (s.BootLines.Any(l => l.Path == script.Key))
                continue;
            var name = Path.GetFileName(script.Key);
            var processes = s.Processes.Where(p => RunsScript(p, script.Key)).ToImmutableArray();
            var starts = s.BootLines.Where(l => !IsComment(l.Text) && l.Path != script.Key
                && (l.Text.Contains(script.Key, StringComparison.Ordinal) || l.Text.Split(' ', '\t', ';', '&', '(', ')').Contains(name))).ToImmutableArray();
            // Not running and started by nothing found: a script lying around, not a remounter.
            if (processes.Length > 0 || starts.Length > 0)
                found.Add(new Remounter(script.Key, processes, [.. script], starts));
        }
        foreach (var line in s.BootLines.Where(l => !IsComment(l.Text) && IsRemountCommand(l.Text.Trim()) && l.Text.Split(' ', '\t', ';', '"', '\'').Contains(mountPoint)))
            found.Add(new Remounter(null, [], [line], [line]));
        var known = found.SelectMany(r => r.Processes).Select(p => p.Pid).ToHashSet();
        foreach (var process in s.Processes.Where(p => !known.Contains(p.Pid) && IsRemountCommand(p.CommandLine)))
            found.Add(new Remounter(null, [process], [], []));
        return [.. found];
    }

    /// <summary>
    /// A command line that remounts read-only: `mount -o remount,ro …` itself, or a shell running one inline
    /// (`sh -c 'while :; do mount -o remount,ro /data; …'`). Not any line that merely says "remount" (a grep for it).
    /// </summary>
    public static bool IsRemountCommand(string commandLine)
    {
        var words = commandLine.Split([' ', '\t', ';', '(', ')', '&', '|'], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            if (Path.GetFileName(words[i]) != "mount")
                continue;
            // The options of this mount: up to the next command word.
            var options = words.Skip(i + 1).TakeWhile(w => Path.GetFileName(w) != "mount").SelectMany(w => w.Split(',')).ToList();
            if (options.Contains("ro") || (options.Contains("remount") && !options.Contains("rw")))
                return true;
        }
        return false;
    }

    /// <summary>"/bin/sh /usr/local/sbin/logrotated 48": the script is the interpreter's first argument (or the command itself).</summary>
    public static bool RunsScript(ProcessEntry process, string script)
    {
        var words = process.CommandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (words.Length > 0 && words[0] == script) || (words.Length > 1 && words[1] == script);
    }

    private static bool IsComment(string line) => line.TrimStart().StartsWith('#');

    private static IEnumerable<Finding> PhysicalVolumes(StorageSnapshot s, StorageSettings c)
    {
        foreach (var pv in s.PhysicalVolumes.Where(p => p.VolumeGroup == c.VolumeGroup))
        {
            string Line() => $"pvs: {pv.Name} attr {pv.Attr}, pe_start {Mib(pv.DataOffset)}, dev_size {Mib(pv.DeviceSize)}, pv_size {Mib(pv.Size)}, free {Mib(pv.Free)}";
            if (!pv.Allocatable)
                yield return new Finding("pv-not-allocatable", Severity.Error, s.Hostname, $"{pv.Name} is not allocatable",
                    "LVM will not put new extents on it: an extend fails or lands elsewhere, and its free space is lost to the VG.", [Line()],
                    $"pvchange -x y {pv.Name}");
            if (pv.DataOffset > NormalDataOffsetLimit)
                yield return new Finding("pv-data-offset-abnormal", Severity.Error, s.Hostname, $"{pv.Name} starts its data at {Mib(pv.DataOffset)} instead of 1 MiB",
                    $"The first {Mib(pv.DataOffset)} of the disk are unusable, so the PV is short of the size it must have; it can only be re-created, after moving its extents elsewhere.",
                    [Line(), .. pv.Segments.Where(g => !g.IsFree).Select(g => $"pvs --segments: {pv.Name} extents {g.Start}+{g.Length} hold {g.LogicalVolume}")],
                    $"pvmove {pv.Name}; vgreduce {c.VolumeGroup} {pv.Name}; pvremove {pv.Name}; pvcreate {pv.Name}; vgextend {c.VolumeGroup} {pv.Name}");
            else if (SmallerThanDevice(pv, s.VolumeGroup(c.VolumeGroup)?.ExtentSize ?? 4L << 20))
                yield return new Finding("pv-smaller-than-device", Severity.Error, s.Hostname, $"{pv.Name} uses {Mib(pv.Size)} of its {Mib(pv.DeviceSize)} device",
                    "The rest of the disk is invisible to LVM.", [Line()], $"pvresize {pv.Name}");
            if (pv.DeviceSize != c.DiskSize)
                yield return new Finding("pv-wrong-disk-size", Severity.Error, s.Hostname, $"{pv.Name} is {Mib(pv.DeviceSize)}, not the standard {Mib(c.DiskSize)}",
                    "Every disk of the pool must be the standard size.", [Line()], "Replace it with a standard disk");
        }
    }

    private static IEnumerable<Finding> VolumeGroupAndVolume(StorageSnapshot s, StorageSettings c)
    {
        var vg = s.VolumeGroup(c.VolumeGroup);
        if (vg is null)
        {
            yield return new Finding("vg-missing", Severity.Error, s.Hostname, $"There is no volume group {c.VolumeGroup}",
                "The data volume lives in it.", [$"vgs: {string.Join(", ", s.VolumeGroups.Select(v => v.Name).DefaultIfEmpty("no volume groups"))}"],
                "Find the disks (losetup, pvs) before creating anything: nothing is fixed automatically here");
            yield break;
        }
        if (vg.PhysicalVolumeCount < c.DiskCount)
            yield return new Finding("vg-missing-disks", Severity.Error, s.Hostname, $"{c.VolumeGroup} has {vg.PhysicalVolumeCount} disks, not {c.DiskCount}",
                "The pool is short of the capacity it must have.",
                [$"vgs: {vg.Name} {vg.PhysicalVolumeCount} PVs, size {Gib(vg.Size)}, free {Gib(vg.Free)}", .. s.PhysicalVolumes.Where(p => p.VolumeGroup == c.VolumeGroup).Select(p => $"pvs: {p.Name}")],
                $"Create {c.DiskCount - vg.PhysicalVolumeCount} more {Mib(c.DiskSize)} image(s) in {c.ImageDirectory}, attach, pvcreate, vgextend");
        var lv = s.LogicalVolume(c.VolumeGroup, c.LogicalVolume);
        if (lv is null)
            yield break;
        if (!lv.Active)
            yield return new Finding("lv-inactive", Severity.Error, s.Hostname, $"{c.VolumeGroup}/{c.LogicalVolume} is not active",
                "An inactive LV has no device: it cannot be mounted, and the data is unreachable until it is activated.",
                [$"lvs: {lv.VolumeGroup}/{lv.Name} {lv.Attr}"], $"lvchange -ay {c.VolumeGroup}/{c.LogicalVolume}");
        if (lv.Size < c.LogicalVolumeSize)
            yield return new Finding("lv-too-small", Severity.Error, s.Hostname, $"{c.VolumeGroup}/{c.LogicalVolume} is {Gib(lv.Size)}, not {Gib(c.LogicalVolumeSize)}",
                "The volume must have the required size.", [$"lvs: {lv.VolumeGroup}/{lv.Name} {lv.Attr} {Gib(lv.Size)}"],
                $"lvextend -r -L {c.LogicalVolumeSize >> 20}M {c.VolumeGroup}/{c.LogicalVolume}");
        if (FilesystemSmallerThanVolume(s, c) && s.UsageAt(c.MountPoint) is { } usage)
            yield return new Finding("filesystem-smaller-than-lv", Severity.Warning, s.Hostname, $"The filesystem on {c.MountPoint} is {Gib(usage.Size)} in a {Gib(lv.Size)} volume",
                "The LV was extended without its filesystem.", [$"df: {usage.Target} {Gib(usage.Size)}", $"lvs: {Gib(lv.Size)}"], $"resize2fs /dev/{c.VolumeGroup}/{c.LogicalVolume}");
    }

    private static IEnumerable<Finding> RootAndDeletedFiles(StorageSnapshot s, StorageSettings c)
    {
        var root = s.UsageAt("/");
        var held = s.DeletedOpenFiles.Where(f => f.AllocatedBytes > 0).OrderByDescending(f => f.AllocatedBytes).ToList();
        if (root?.UsePercent is { } used && used > c.RootFullPercent)
            yield return new Finding("root-filesystem-full", Severity.Error, s.Hostname, $"The root filesystem is {used}% full",
                "The disk images live on it: a new disk cannot be created, and anything that logs or writes there fails next.",
                [$"df: / {Gib(root.Used)} used of {Gib(root.Size)}, {Gib(root.Available)} available", .. held.Take(3).Select(f => $"held open after deletion: {f.Path} ({Gib(f.AllocatedBytes)}) by {f.Pid} {f.Command}, fd {f.Descriptor}")],
                held.Count > 0 ? "Empty the deleted file through its holder's descriptor (`: > /proc/PID/fd/N`), or restart the holder" : "Free space on /");
        foreach (var file in held.Where(f => f.AllocatedBytes >= HeldOpenLimit))
            yield return new Finding("deleted-file-held-open", Severity.Warning, s.Hostname, $"{file.Pid} ({file.Command}) holds the deleted {file.Path} open: {Gib(file.AllocatedBytes)}",
                "df counts the space and du cannot find it; it is freed only when the process closes the file or ends.",
                [$"/proc/{file.Pid}/fd/{file.Descriptor} -> {file.Path} (deleted), {file.AllocatedBytes} bytes allocated", .. s.Process(file.Pid) is { } p ? new[] { $"ps: {p.Pid} parent {p.ParentPid} up {p.ElapsedSeconds} s: {p.CommandLine}" } : []],
                $": > /proc/{file.Pid}/fd/{file.Descriptor} (frees the space with {file.Command} still running), or restart it");
    }

    /// <summary>Whether a mount source is the data LV: as /dev/VG/LV, /dev/mapper/VG-LV (dashes doubled) or its dm-N.</summary>
    public static bool IsVolume(StorageSnapshot s, string source, StorageSettings c)
    {
        var mapper = $"{c.VolumeGroup.Replace("-", "--", StringComparison.Ordinal)}-{c.LogicalVolume.Replace("-", "--", StringComparison.Ordinal)}";
        return source == $"/dev/{c.VolumeGroup}/{c.LogicalVolume}" || source == $"/dev/mapper/{mapper}"
            || s.BlockDevices.Any(b => b.Type == "lvm" && b.Name == mapper && source == $"/dev/{b.KernelName}");
    }

    private static IEnumerable<Finding> LoopDevices(StorageSnapshot s, StorageSettings c)
    {
        foreach (var loop in s.LoopDevices.Where(l => s.PhysicalVolumes.Any(p => p.Name == l.Name && p.VolumeGroup == c.VolumeGroup)))
        {
            if (loop.ReadOnly)
                yield return new Finding("pv-device-read-only", Severity.Error, s.Hostname, $"{loop.Name}, a disk of {c.VolumeGroup}, is read-only",
                    "Writes to the extents on it fail with I/O errors (the filesystem then remounts itself read-only), and LVM cannot move or add extents there.",
                    [$"losetup: {loop.Name} {loop.BackingFile} ro", .. s.KernelMessages.Where(m => m.Text.Contains(loop.Name.Replace("/dev/", ""), StringComparison.Ordinal)).TakeLast(3).Select(m => $"dmesg: {m.Text}")],
                    $"blockdev --setrw {loop.Name} (a device attached read-only, losetup -r, must be re-attached: that is not done online)");
            if (loop.BackingFileDeleted || !InImageDirectory(loop.BackingFile, c))
                yield return new Finding("loop-backing-unexpected", Severity.Error, s.Hostname, $"{loop.Name} is backed by {loop.BackingFile}{(loop.BackingFileDeleted ? " (deleted)" : "")}",
                    $"Every disk of {c.VolumeGroup} must be an image in {c.ImageDirectory} that exists: a deleted or stray backing file is lost at the next detach or reboot.",
                    [$"losetup: {loop.Name} {loop.BackingFile}{(loop.BackingFileDeleted ? " (deleted)" : "")}"], "Copy the data to a proper image (pvmove) before the loop device goes");
        }
    }
}
