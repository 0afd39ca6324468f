using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage.Fixes;

/// <summary>
/// Turns a storage snapshot into an ordered plan that keeps the object service serving throughout: first what would
/// undo a fix (the remounter, and what starts it at boot), then /data read-write now and in fstab, then room on the
/// root filesystem (the deleted file is emptied through its holder's descriptor, not by restarting the service),
/// then the PVs online (pvchange, pvresize), the missing disks, the PV with the bad data offset re-created after
/// pvmove has taken its extents elsewhere, and finally the LV and its filesystem with one <c>lvextend -r</c>.
/// </summary>
/// <remarks>
/// Every step's precondition reads freshly captured state and every LVM command is guarded by the state it needs, so
/// a plan interrupted half-way (even inside the pvmove / vgreduce / pvcreate / vgextend sequence) is finished by
/// planning and running it again, and the plan of a healthy machine is empty. What cannot be repaired safely
/// without a human (a missing VG, LV or PV, a deleted disk image) is a <see cref="Blockers"/> entry, and nothing runs.
/// </remarks>
public static partial class StorageFixPlanner
{
    /// <summary>Where the original of an edited file is kept (under its own path), once: the first run's copy is never
    /// overwritten. Not beside the file: a copy left in /etc/init.d or /etc/cron.d could itself be run.</summary>
    public const string BackupFolder = FileBackup.Folder;

    /// <summary>The text put in front of a boot line that is switched off.</summary>
    public const string DisabledPrefix = "# disabled by runbook (restarted a remounter): ";

    /// <summary>LVM prints a warning on stderr for every descriptor an ssh session leaves open.</summary>
    private const string QuietLvm = DiskCommands.QuietLvm;

    private static readonly TimeSpan s_lvmTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Why the plan must not run on this machine at all: each entry names what is wrong and what to do. Empty when
    /// the plan is safe to run.
    /// </summary>
    public static ImmutableArray<string> Blockers(StorageSnapshot s, StorageSettings settings)
    {
        var blockers = new List<string>();
        var lvmProblem = s.Problems.FirstOrDefault(p => p.Section == "lvm");
        if (lvmProblem is not null)
            blockers.Add($"LVM could not be read on {s.Host} ({lvmProblem.Command}: {lvmProblem.Message}): install lvm2, or fix what the message names, then run again");
        // A VG that LVM's own filter hides is not gone: the plan switches the filter off first, and the next round
        // judges what LVM then sees.
        else if (!StorageChecks.HiddenDisks(s, settings).IsEmpty)
            return [];
        else if (s.VolumeGroup(settings.VolumeGroup) is null)
            blockers.Add($"{s.Host} has no volume group \"{settings.VolumeGroup}\" (it has: {string.Join(", ", s.VolumeGroups.Select(v => v.Name).DefaultIfEmpty("none"))}): check the volume group name in the profile; nothing is created automatically");
        else if (s.LogicalVolume(settings.VolumeGroup, settings.LogicalVolume) is null)
            blockers.Add($"{settings.VolumeGroup} on {s.Host} has no logical volume \"{settings.LogicalVolume}\" (it has: {string.Join(", ", s.LogicalVolumes.Where(l => l.VolumeGroup == settings.VolumeGroup).Select(l => l.Name).DefaultIfEmpty("none"))}): check the volume name in the profile");
        // Only detached (an image no loop device holds): the plan attaches it again.
        foreach (var pv in s.PhysicalVolumes.Where(p => p.VolumeGroup == settings.VolumeGroup && p.Missing && StorageChecks.UnattachedImages(s, settings).IsEmpty))
            blockers.Add($"a PV of {settings.VolumeGroup} is missing ({pv.Name}): its disk image was not attached. Find the image and attach it (losetup) before anything else; vgreduce --removemissing would lose the data on it");
        foreach (var loop in s.LoopDevices.Where(l => l.BackingFileDeleted && s.PhysicalVolumes.Any(p => p.Name == l.Name && p.VolumeGroup == settings.VolumeGroup)))
            blockers.Add($"the disk image {loop.BackingFile} behind {loop.Name} was deleted while attached: the data on it lives only until {loop.Name} is detached. Copy it back first (cp /proc/<pid>/fd or dd if={loop.Name}) and do not reboot");
        return [.. blockers];
    }

    public static ImmutableArray<FixStep<StorageSnapshot>> Plan(StorageSnapshot s, StorageSettings? settings = null)
    {
        settings ??= new StorageSettings();
        var c = settings;
        var findings = StorageChecks.Run(s, c);
        string Why(Func<Finding, bool> which) => string.Join("; ", findings.Where(which).Select(f => f.Title).Distinct().DefaultIfEmpty("keeps the state the other steps leave"));
        var host = s.Host;
        var steps = new List<FixStep<StorageSnapshot>>();

        // 0. LVM sees every disk of the pool and may activate the volume. While a filter hides disks, what LVM reports
        // is not the pool (with all of it hidden, four disks would look missing): nothing else is planned on it; the
        // next round plans from what LVM then sees.
        steps.AddRange(LvmSteps(s, c, Why));
        if (!StorageChecks.HiddenDisks(s, c).IsEmpty)
            return WithClears(steps, findings);

        // 1. What undoes the fix: the remounter, then what starts it again at boot.
        foreach (var remounter in StorageChecks.Remounters(s, c.MountPoint))
        {
            if (remounter.Script is { } script && remounter.Processes.Length > 0)
                steps.Add(StopScript(host, script, Why(f => f.Check == "data-remounted")));
            else if (remounter.Script is null && remounter.Processes.Length > 0)
                steps.AddRange(remounter.Processes.Select(p => StopProcess(host, p, Why(f => f.Check == "data-remounted"))));
            foreach (var line in remounter.BootLines)
                steps.Add(DisableBootLine(host, line, Why(f => f.Check == "data-remounted")));
            if (remounter.Script is { } orphan && remounter.BootLines.IsEmpty)
                steps.Add(QuarantineScript(host, orphan, Why(f => f.Check == "data-remounted")));
        }

        // 2. The volume's device: active, and no other filesystem mounted over it (or in its place).
        var volumeName = $"{c.VolumeGroup}/{c.LogicalVolume}";
        if (s.LogicalVolume(c.VolumeGroup, c.LogicalVolume) is { Active: false })
            steps.Add(Step(host, "activate-lv", $"Activate {volumeName}", Why(f => f.Check == "lv-inactive"),
                x => x.LogicalVolume(c.VolumeGroup, c.LogicalVolume) is { Active: false }, [Lvm($"lvchange -ay {volumeName}")],
                x => x.LogicalVolume(c.VolumeGroup, c.LogicalVolume) is { Active: true }, $"lvs shows {volumeName} active"));
        if (s.MountAt(c.MountPoint) is { } over && !StorageChecks.IsVolume(s, over.Source, c))
            steps.Add(Step(host, "unmount-over-data", $"Unmount {over.Source} ({over.FsType}) from {c.MountPoint}", Why(f => f.Check == "data-mounted-from-wrong-source"),
                x => x.MountAt(c.MountPoint)?.Id == over.Id, [HostCommand.Exec("umount", c.MountPoint)],
                x => x.MountAt(c.MountPoint)?.Id != over.Id, $"findmnt no longer shows {over.Source} on {c.MountPoint}"));

        if (s.MountRootAttributes.FirstOrDefault(a => a.Path == c.MountPoint) is { } attributes && (attributes.Immutable || attributes.AppendOnly))
            steps.Add(Step(host, "data-mutable", $"Clear the immutable and append-only attributes of {c.MountPoint}", Why(f => f.Check == "data-immutable"),
                x => x.MountRootAttributes.FirstOrDefault(a => a.Path == c.MountPoint) is { } a && (a.Immutable || a.AppendOnly),
                [HostCommand.Exec("chattr", "-i", "-a", c.MountPoint)],
                x => x.MountRootAttributes.FirstOrDefault(a => a.Path == c.MountPoint) is { Immutable: false, AppendOnly: false }, $"lsattr -d {c.MountPoint} shows neither i nor a"));

        // 3. /data read-write: fstab first (so `mount` reads the right options), then the running mount.
        var fstab = s.Fstab.LastOrDefault(f => f.MountPoint == c.MountPoint);
        if (fstab is { ReadOnly: true })
            steps.Add(FstabWithoutReadOnly(host, fstab, c, Why(f => f.Check == "fstab-mounts-read-only")));
        else if (fstab is null && s.MountAt(c.MountPoint) is { } mounted && StorageChecks.IsVolume(s, mounted.Source, c))
            steps.Add(FstabLine(host, mounted, c, Why(f => f.Check == "fstab-missing-mount")));
        if (s.MountAt(c.MountPoint) is null && fstab is not null)
            steps.Add(Step(host, "mount-data", $"Mount {c.MountPoint} as fstab says", Why(f => f.Check == "data-not-mounted"),
                x => x.MountAt(c.MountPoint) is null, [HostCommand.Exec("mount", c.MountPoint)],
                x => x.MountAt(c.MountPoint) is { ReadOnly: false }, $"{c.MountPoint} is mounted read-write"));
        else if (s.MountAt(c.MountPoint) is { ReadOnly: true })
            steps.Add(Step(host, "remount-data-rw", $"Remount {c.MountPoint} read-write", Why(f => f.Check == "data-mounted-read-only"),
                x => x.MountAt(c.MountPoint) is { ReadOnly: true }, [HostCommand.Exec("mount", "-o", "remount,rw", c.MountPoint)],
                x => x.MountAt(c.MountPoint) is { ReadOnly: false }, $"findmnt shows {c.MountPoint} rw"));

        // 4. Room on / (the new disk image lives there): empty deleted files still held open, in place.
        foreach (var file in s.DeletedOpenFiles.Where(f => f.AllocatedBytes >= StorageChecks.HeldOpenLimit))
            steps.Add(EmptyDeletedFile(host, file, Why(f => f.Check is "root-filesystem-full" || (f.Check == "deleted-file-held-open" && f.Title.StartsWith(file.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal)))));

        // 5. The PVs, online: writable, allocatable, whole.
        var vg = c.VolumeGroup;
        var members = s.PhysicalVolumes.Where(p => p.VolumeGroup == vg).ToList();
        foreach (var loop in s.LoopDevices.Where(l => l.ReadOnly && members.Any(p => p.Name == l.Name)))
            steps.Add(Step(host, $"read-write-{Short(loop.Name)}", $"Make {loop.Name} writable", Why(f => f.Check == "pv-device-read-only" && f.Title.StartsWith(loop.Name + ",", StringComparison.Ordinal)),
                x => x.LoopDevice(loop.Name) is { ReadOnly: true }, [HostCommand.Exec("blockdev", "--setrw", loop.Name)],
                x => x.LoopDevice(loop.Name) is { ReadOnly: false }, $"losetup shows {loop.Name} read-write"));
        foreach (var pv in members.Where(p => !p.Allocatable))
            steps.Add(Step(host, $"allocatable-{Short(pv.Name)}", $"Make {pv.Name} allocatable", Why(f => f.Check == "pv-not-allocatable" && f.Title.StartsWith(pv.Name + " ", StringComparison.Ordinal)),
                x => x.PhysicalVolume(pv.Name) is { Allocatable: false }, [Lvm($"pvchange -x y {pv.Name}")],
                x => x.PhysicalVolume(pv.Name) is { Allocatable: true }, $"pvs shows {pv.Name} allocatable (a--)"));
        var extent = s.VolumeGroup(vg)?.ExtentSize ?? 4L << 20;
        foreach (var pv in members.Where(p => p.DataOffset <= StorageChecks.NormalDataOffsetLimit && StorageChecks.SmallerThanDevice(p, extent)))
            steps.Add(Step(host, $"pvresize-{Short(pv.Name)}", $"Grow {pv.Name} to its whole device", Why(f => f.Check == "pv-smaller-than-device" && f.Title.StartsWith(pv.Name + " ", StringComparison.Ordinal)),
                x => x.PhysicalVolume(pv.Name) is { } p && StorageChecks.SmallerThanDevice(p, extent), [Lvm($"pvresize {pv.Name}")],
                x => x.PhysicalVolume(pv.Name) is { } p && !StorageChecks.SmallerThanDevice(p, extent), $"pvs shows {pv.Name} using its whole device"));

        // 6. The missing disks, then the PV with the bad offset re-created: a PV taken out of the VG for its
        // re-creation still counts as one of its disks, so an interrupted run does not add a disk too many.
        var recreated = members.Where(p => p.DataOffset > StorageChecks.NormalDataOffsetLimit).Select(p => p.Name).ToImmutableArray();
        int Disks(StorageSnapshot x) => x.PhysicalVolumes.Count(p => p.VolumeGroup == vg) + recreated.Count(d => x.PhysicalVolume(d)?.VolumeGroup != vg);
        var missing = c.DiskCount - Disks(s);
        var images = DiskCommands.FreeImagePaths(c.ImageDirectory, s.ImageFiles.Select(i => i.Path).Concat(s.LoopDevices.Select(l => l.BackingFile)));
        foreach (var image in images.Take(Math.Max(0, missing)))
            steps.Add(AddDisk(host, image, c, Disks, Why(f => f.Check is "vg-missing-disks")));
        foreach (var device in recreated)
            steps.Add(RecreatePv(host, device, c, Why(f => f.Check == "pv-data-offset-abnormal" && f.Title.StartsWith(device + " ", StringComparison.Ordinal))));

        // 7. The volume and its filesystem, in one online step.
        var lv = $"{vg}/{c.LogicalVolume}";
        var lvDevice = $"/dev/{vg}/{c.LogicalVolume}";
        if (s.LogicalVolume(vg, c.LogicalVolume) is { } volume && volume.Size < c.LogicalVolumeSize)
            steps.Add(Step(host, "extend-lv", $"Grow {lv} to {Mebibytes(c.LogicalVolumeSize)} MiB, with its filesystem", Why(f => f.Check is "lv-too-small" or "filesystem-smaller-than-lv"),
                x => x.LogicalVolume(vg, c.LogicalVolume) is { } l && l.Size < c.LogicalVolumeSize,
                [Lvm($"lvextend -r -L {Mebibytes(c.LogicalVolumeSize)}m {lv}", s_lvmTimeout)],
                x => x.LogicalVolume(vg, c.LogicalVolume) is { } l && l.Size >= c.LogicalVolumeSize && !StorageChecks.FilesystemSmallerThanVolume(x, c),
                $"lvs shows {lv} at {Mebibytes(c.LogicalVolumeSize)} MiB and df the filesystem filling it"));
        else if (StorageChecks.FilesystemSmallerThanVolume(s, c))
            steps.Add(Step(host, "resize-filesystem", $"Grow the filesystem on {lvDevice} to its volume", Why(f => f.Check == "filesystem-smaller-than-lv"),
                x => StorageChecks.FilesystemSmallerThanVolume(x, c), [HostCommand.Exec("resize2fs", lvDevice).WithRemoteTimeout(s_lvmTimeout)],
                x => !StorageChecks.FilesystemSmallerThanVolume(x, c), "df shows the filesystem filling its volume"));

        return WithClears(steps, findings);
    }

    // Each step clears the findings its Why names, so a finding still open after the fix names its step.
    private static ImmutableArray<FixStep<StorageSnapshot>> WithClears(List<FixStep<StorageSnapshot>> steps, ImmutableArray<Finding> findings) =>
        [.. steps.Select(step => step with
        {
            Clears = [.. findings.Where(f => step.Why.Split("; ").Contains(f.Title)).Select(OpenFinding.Key).Distinct()],
        })];

    private static FixStep<StorageSnapshot> Step(string host, string id, string title, string why, Func<StorageSnapshot, bool> precondition, ImmutableArray<HostCommand> commands, Func<StorageSnapshot, bool> verification, string verificationText, string? diff = null) =>
        new(id, host, title, why, precondition, commands, verification, verificationText, diff);

    private static HostCommand Lvm(string command, TimeSpan? timeout = null)
    {
        var shell = HostCommand.Shell($"{QuietLvm} {command}").WithDescription(command);
        return timeout is { } t ? shell.WithRemoteTimeout(t).WithTimeout(t + TimeSpan.FromMinutes(1)) : shell;
    }

    /// <summary>Stops every process running the script. The pids are looked up when the step runs (the loop may have
    /// been restarted since the capture); `pkill -f` would match the ssh command running it and kill that too.</summary>
    private static FixStep<StorageSnapshot> StopScript(string host, string script, string why)
    {
        var quoted = ShellQuote.Quote(script);
        var command = HostCommand.Shell($"pids=$(ps -e -o pid=,args= | awk -v s={quoted} '$2 == s || $3 == s {{print $1}}'); [ -z \"$pids\" ] || kill $pids")
            .WithDescription($"kill the processes running {script}");
        return Step(host, $"stop-{Path.GetFileName(script)}", $"Stop {script}, which remounts filesystems read-only", why,
            x => x.Processes.Any(p => StorageChecks.RunsScript(p, script)), [command],
            x => !x.Processes.Any(p => StorageChecks.RunsScript(p, script)), $"ps shows no process running {script}");
    }

    private static FixStep<StorageSnapshot> StopProcess(string host, ProcessEntry process, string why) =>
        Step(host, $"stop-pid-{process.Pid}", $"Stop process {process.Pid} ({process.CommandLine})", why,
            x => x.Process(process.Pid)?.CommandLine == process.CommandLine,
            [HostCommand.Exec("kill", process.Pid.ToString(CultureInfo.InvariantCulture))],
            x => x.Process(process.Pid)?.CommandLine != process.CommandLine, $"ps shows no process {process.Pid}");

    /// <summary>Comments the line out, after checking it is still the line captured; the file is kept as it was once.</summary>
    private static FixStep<StorageSnapshot> DisableBootLine(string host, ScriptLine line, string why)
    {
        var number = line.Line.ToString(CultureInfo.InvariantCulture);
        var path = ShellQuote.Quote(line.Path);
        var command = HostCommand.Shell(
            $"[ \"$(sed -n '{number}p' {path})\" = {ShellQuote.Quote(line.Text)} ] || {{ echo \"{line.Path}:{number} is no longer the line captured; capture again\" >&2; exit 1; }}; "
            + FileBackup.Shell(line.Path)
            + $"sed -i '{number}s|^|{DisabledPrefix}|' {path}")
            .WithDescription($"comment out {line.Path}:{number} (original kept in {BackupFolder}{line.Path})");
        bool Active(StorageSnapshot x) => x.BootLines.Any(l => l.Path == line.Path && l.Line == line.Line && l.Text == line.Text);
        var diff = $"--- {line.Path}\n+++ {line.Path} (fixed)\n@@ line {number} @@\n- {line.Text}\n+ {DisabledPrefix}{line.Text}\n";
        return Step(host, $"disable-{Path.GetFileName(line.Path)}-line-{number}", $"Stop {line.Path} starting the remounter again (line {number})", why,
            Active, [command], x => !Active(x), $"{line.Path}:{number} is commented out", diff);
    }

    /// <summary>When nothing found in the boot files starts the script, whatever does finds it gone; moved, not deleted.</summary>
    private static FixStep<StorageSnapshot> QuarantineScript(string host, string script, string why)
    {
        var target = script + ".disabled-by-runbook";
        return Step(host, $"quarantine-{Path.GetFileName(script)}", $"Move {script} aside to {target}", why + " (nothing in the boot files starts it, so whatever does must find it gone)",
            x => x.MountLinesInScripts.Any(l => l.Path == script) || x.Processes.Any(p => StorageChecks.RunsScript(p, script)),
            [HostCommand.Shell($"[ ! -e {ShellQuote.Quote(script)} ] || mv {ShellQuote.Quote(script)} {ShellQuote.Quote(target)}").WithDescription($"mv {script} {target}")],
            x => !x.MountLinesInScripts.Any(l => l.Path == script), $"{script} is no longer there");
    }

    private static FixStep<StorageSnapshot> FstabWithoutReadOnly(string host, FstabEntry entry, StorageSettings c, string why)
    {
        var options = entry.Options.Where(o => o != "ro").ToList();
        var fixedLine = $"{entry.Spec} {entry.MountPoint} {entry.FsType} {(options.Count == 0 ? "defaults" : string.Join(",", options))} {entry.Dump} {entry.Pass}";
        var number = entry.Line.ToString(CultureInfo.InvariantCulture);
        // The replacement goes through sed: escape what sed's s command would read as special.
        var replacement = fixedLine.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace("&", "\\&", StringComparison.Ordinal);
        var command = HostCommand.Shell(
            $"[ \"$(sed -n '{number}p' /etc/fstab)\" = {ShellQuote.Quote(entry.Text)} ] || {{ echo \"/etc/fstab:{number} is no longer the line captured; capture again\" >&2; exit 1; }}; "
            + FileBackup.Shell("/etc/fstab")
            + $"sed -i {ShellQuote.Quote($"{number}s|.*|{replacement}|")} /etc/fstab")
            .WithDescription($"rewrite /etc/fstab:{number} without ro (original kept in {BackupFolder}/etc/fstab)");
        var diff = $"--- /etc/fstab\n+++ /etc/fstab (fixed)\n@@ line {number} @@\n- {entry.Text}\n+ {fixedLine}\n";
        return Step(host, "fstab-read-write", $"Mount {c.MountPoint} read-write at boot (/etc/fstab:{number})", why,
            x => x.Fstab.LastOrDefault(f => f.MountPoint == c.MountPoint) is { ReadOnly: true }, [command],
            x => x.Fstab.LastOrDefault(f => f.MountPoint == c.MountPoint) is { ReadOnly: false }, $"/etc/fstab mounts {c.MountPoint} without ro", diff);
    }

    // The volume as it is mounted now, by its /dev/VG/LV name (stable across boots, unlike dm-N), read-write.
    private static FixStep<StorageSnapshot> FstabLine(string host, Mount mounted, StorageSettings c, string why)
    {
        var line = $"/dev/{c.VolumeGroup}/{c.LogicalVolume} {c.MountPoint} {mounted.FsType} defaults 0 2";
        var command = HostCommand.Shell(FileBackup.Shell("/etc/fstab") + $"printf '%s\n' {ShellQuote.Quote(line)} >> /etc/fstab")
            .WithDescription($"append `{line}` to /etc/fstab (original kept in {BackupFolder}/etc/fstab)");
        return Step(host, "fstab-add-line", $"Mount {c.MountPoint} at boot (a line in /etc/fstab)", why,
            x => x.Fstab.All(f => f.MountPoint != c.MountPoint), [command],
            x => x.Fstab.LastOrDefault(f => f.MountPoint == c.MountPoint) is { ReadOnly: false }, $"/etc/fstab mounts {c.MountPoint} read-write",
            $"--- /etc/fstab\n+++ /etc/fstab (fixed)\n@@ end @@\n+ {line}\n");
    }

    /// <summary>
    /// Frees the space of a deleted file by truncating it through its holder's descriptor: the holder keeps running
    /// (restarting it would cost the service a gap until its respawn loop notices), and its descriptor stays valid.
    /// </summary>
    private static FixStep<StorageSnapshot> EmptyDeletedFile(string host, DeletedOpenFile file, string why)
    {
        var pid = file.Pid.ToString(CultureInfo.InvariantCulture);
        var fd = file.Descriptor.ToString(CultureInfo.InvariantCulture);
        bool Held(StorageSnapshot x) => x.DeletedOpenFiles.Any(f => f.Pid == file.Pid && f.Descriptor == file.Descriptor && f.Path == file.Path && f.AllocatedBytes >= StorageChecks.HeldOpenLimit);
        var command = HostCommand.Shell(
            $"case $(readlink /proc/{pid}/fd/{fd}) in {ShellQuote.Quote(file.Path + " (deleted)")}) : > /proc/{pid}/fd/{fd} ;; *) echo \"/proc/{pid}/fd/{fd} no longer holds the deleted {file.Path}; capture again\" >&2; exit 1 ;; esac")
            .WithDescription($": > /proc/{pid}/fd/{fd}   (empty the deleted {file.Path} that {file.Command} holds, without restarting it)");
        return Step(host, $"empty-deleted-{pid}-{fd}", $"Free the {Mebibytes(file.AllocatedBytes)} MiB of the deleted {file.Path} held by {file.Command} ({pid})", why,
            Held, [command], x => !Held(x), $"/proc/{pid}/fd/{fd} holds nothing any more");
    }

    /// <summary>Adds a disk (<see cref="DiskCommands.Add"/>), keeping 64 MiB free beside the images.</summary>
    private static FixStep<StorageSnapshot> AddDisk(string host, string image, StorageSettings c, Func<StorageSnapshot, int> disks, string why)
    {
        bool InGroup(StorageSnapshot x) => x.LoopDevices.FirstOrDefault(l => l.BackingFile == image) is { } loop && x.PhysicalVolume(loop.Name)?.VolumeGroup == c.VolumeGroup;
        return Step(host, $"add-{Path.GetFileNameWithoutExtension(image)}", $"Add a {Mebibytes(c.DiskSize)} MiB disk {image} to {c.VolumeGroup}", why,
            x => !InGroup(x) && disks(x) < c.DiskCount, DiskCommands.Add(image, c.DiskSize, c.VolumeGroup, c.ImageDirectory, 64L << 20),
            x => InGroup(x) && x.LoopDevices.First(l => l.BackingFile == image) is var loop && x.PhysicalVolume(loop.Name) is { } pv && pv.DeviceSize == c.DiskSize,
            $"pvs shows the loop device of {image} in {c.VolumeGroup}, {Mebibytes(c.DiskSize)} MiB");
    }

    /// <summary>
    /// pvmove its extents to the other PVs (online: the LV stays in use), vgreduce, pvremove, pvcreate with the
    /// default data offset, vgextend. Each command runs only while the state still needs it.
    /// </summary>
    private static FixStep<StorageSnapshot> RecreatePv(string host, string device, StorageSettings c, string why)
    {
        var dev = ShellQuote.Quote(device);
        var vg = ShellQuote.Quote(c.VolumeGroup);
        var limit = StorageChecks.NormalDataOffsetLimit.ToString(CultureInfo.InvariantCulture);
        string Field(string field) => $"$({QuietLvm} pvs --noheadings --units b --nosuffix -o {field} {dev} 2>/dev/null | tr -d ' ')";
        var inGroup = $"[ \"{Field("vg_name")}\" = {vg} ]";
        var bad = $"[ \"{Field("pe_start")}\" -gt {limit} ]";
        return Step(host, $"recreate-{Short(device)}", $"Re-create {device} with the normal data offset, after moving its extents away", why,
            x => x.PhysicalVolume(device) is not { } p || p.VolumeGroup != c.VolumeGroup || p.DataOffset > StorageChecks.NormalDataOffsetLimit,
            [
                HostCommand.Shell($"if {inGroup} && {bad} && [ \"{Field("pv_pe_alloc_count")}\" -gt 0 ]; then {QuietLvm} pvmove -i 0 {dev}; fi")
                    .WithRemoteTimeout(s_lvmTimeout).WithTimeout(s_lvmTimeout + TimeSpan.FromMinutes(1))
                    .WithDescription($"pvmove {device}   (its extents to the other PVs, online)"),
                HostCommand.Shell($"if {inGroup} && {bad}; then {QuietLvm} vgreduce {vg} {dev}; fi").WithDescription($"vgreduce {c.VolumeGroup} {device}"),
                HostCommand.Shell($"if ! {inGroup}; then {QuietLvm} pvs {dev} > /dev/null 2>&1 && {QuietLvm} pvremove -y {dev}; {QuietLvm} pvcreate {dev} && {QuietLvm} vgextend {vg} {dev}; fi")
                    .WithDescription($"pvremove {device}; pvcreate {device}; vgextend {c.VolumeGroup} {device}"),
            ],
            x => x.PhysicalVolume(device) is { } p && p.VolumeGroup == c.VolumeGroup && p.DataOffset <= StorageChecks.NormalDataOffsetLimit,
            $"pvs shows {device} in {c.VolumeGroup} with its data at 1 MiB");
    }

    private static string Short(string device) => device.StartsWith("/dev/", StringComparison.Ordinal) ? device[5..].Replace('/', '-') : device.Replace('/', '-');

    private static string Mebibytes(long bytes) => (bytes >> 20).ToString(CultureInfo.InvariantCulture);
}
