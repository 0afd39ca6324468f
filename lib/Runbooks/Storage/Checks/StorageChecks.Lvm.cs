using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage.Checks;

// LVM's own view: what its configuration hides or refuses to activate, the disks it reports missing, and the warnings
// it prints. A filter that rejects the pool's disks makes the volume group vanish from every report while its volume
// keeps running; the checks that read the report would then blame the VG, not the filter.
public static partial class StorageChecks
{
    /// <summary>The loop devices backed by an image where the pool's images live, with the filter pattern that makes LVM
    /// ignore each of them. Empty when LVM sees every disk.</summary>
    public static ImmutableArray<(LoopDevice Loop, LvmDeviceFilter Filter, string Pattern)> HiddenDisks(StorageSnapshot s, StorageSettings c) =>
        [.. PoolLoops(s, c).SelectMany(loop => LvmDeviceFilter.Of(s.LvmSettings)
            .Select(filter => (Loop: loop, Filter: filter, Decision: filter.Decide(loop.Name)))
            .Where(d => !d.Decision.Accepted)
            .Take(1)
            .Select(d => (d.Loop, d.Filter, d.Decision.By!)))];

    /// <summary>The activation lists that leave the data volume out (<c>activation/volume_list</c> refuses every
    /// activation of it; <c>auto_activation_volume_list</c> the one at boot). A tag entry ("@…") may match: not judged.</summary>
    public static ImmutableArray<LvmSetting> ActivationListsExcluding(StorageSnapshot s, StorageSettings c) =>
        [.. s.LvmSettings.Where(setting => setting.Path is "activation/volume_list" or "activation/auto_activation_volume_list")
            .Where(setting => !setting.Strings().Any(entry => entry.StartsWith('@') || entry == c.VolumeGroup || entry == $"{c.VolumeGroup}/{c.LogicalVolume}"))];

    /// <summary>Images in the image folder that no loop device is attached to: where a missing disk of the pool may be.</summary>
    public static ImmutableArray<string> UnattachedImages(StorageSnapshot s, StorageSettings c) =>
        [.. s.ImageFiles.Select(i => i.Path)
            .Where(path => InImageDirectory(path, c) && path.EndsWith(".img", StringComparison.Ordinal))
            .Where(path => s.LoopDevices.All(l => l.BackingFile != path))
            .Distinct()
            .Order(StringComparer.Ordinal)];

    /// <summary>Whether <paramref name="path"/> lies in the folder where the pool's disk images live.</summary>
    public static bool InImageDirectory(string path, StorageSettings c) => path.StartsWith(c.ImageDirectory.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static IEnumerable<LoopDevice> PoolLoops(StorageSnapshot s, StorageSettings c) =>
        s.LoopDevices.Where(l => !l.BackingFileDeleted && InImageDirectory(l.BackingFile, c));

    private static IEnumerable<Finding> LvmItself(StorageSnapshot s, StorageSettings c)
    {
        var warnings = s.LvmWarnings.Take(6).Select(w => $"lvm: {w}").ToList();
        var hidden = HiddenDisks(s, c);
        foreach (var group in hidden.GroupBy(h => h.Filter.Setting))
        {
            var setting = s.LvmSettings.First(x => x.Path == group.Key);
            yield return new Finding("lvm-filter-hides-disks", Severity.Error, s.Hostname,
                $"LVM's {group.Key} hides {string.Join(", ", group.Select(h => h.Loop.Name))} from every LVM command",
                $"LVM does not read a device its filter rejects: {c.VolumeGroup} looks gone or short of disks, and nothing can extend, move or activate it, while the volume already mounted keeps running until the next reboot.",
                [$"lvmconfig: {setting.Path}={setting.Value}", .. group.Select(h => $"losetup: {h.Loop.Name} {h.Loop.BackingFile}, rejected by \"{h.Pattern}\""), .. warnings],
                $"Remove {setting.Name} from /etc/lvm/lvm.conf (or lvmlocal.conf), or make it accept the pool's loop devices");
        }
        foreach (var setting in ActivationListsExcluding(s, c))
        {
            var boot = setting.Name == "auto_activation_volume_list";
            yield return new Finding("lvm-activation-restricted", boot ? Severity.Warning : Severity.Error, s.Hostname,
                $"LVM's {setting.Path} leaves out {c.VolumeGroup}/{c.LogicalVolume}",
                boot ? "The volume is not activated automatically at boot, so /data is not mounted after a reboot."
                    : "LVM refuses to activate a volume the list leaves out: after a reboot or a deactivation, /data cannot come back.",
                [$"lvmconfig: {setting.Path}={setting.Value}"],
                $"Remove {setting.Name} from /etc/lvm/lvm.conf, or add \"{c.VolumeGroup}\" to it");
        }
        var missing = s.PhysicalVolumes.Where(p => p.VolumeGroup == c.VolumeGroup && p.Missing).ToList();
        if (missing.Count > 0)
        {
            var images = UnattachedImages(s, c);
            yield return new Finding("pv-missing", Severity.Error, s.Hostname,
                $"{missing.Count} disk(s) of {c.VolumeGroup} are missing",
                $"LVM cannot find a PV of {c.VolumeGroup}: the extents on it are unreadable and the VG is partial, so LVM refuses to change it (no extend, no move).",
                [.. missing.Select(p => $"pvs: {p.Name} attr {p.Attr}"), .. warnings,
                    images.IsEmpty ? $"no image in {c.ImageDirectory} is unattached" : $"not attached: {string.Join(", ", images)}"],
                images.IsEmpty ? "Find the disk's image and attach it (losetup -f --show IMAGE); never vgreduce --removemissing a PV that holds data"
                    : $"Attach the image(s) (losetup -f --show {images[0]}); LVM finds its PV again by itself");
        }
        // What the findings above do not explain: LVM's own words, kept so nothing it said is lost.
        if (hidden.IsEmpty && missing.Count == 0 && s.LvmWarnings.Length > 0)
            yield return new Finding("lvm-warnings", Severity.Warning, s.Hostname, $"LVM printed {s.LvmWarnings.Length} warning(s) while reporting",
                "LVM warns about devices it cannot find or will not use and metadata it doubts; each is a problem of its own.",
                [.. warnings], "Read each warning: lvm pvs -v names the devices");
    }
}
