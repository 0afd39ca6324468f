using System.Globalization;
using Runbooks.Probes;
using Runbooks.Reports;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage;

/// <summary>The views of the storage runbook, as HTML tables for the executed notebook. Sizes in MiB, as pvs shows them.</summary>
public static class StorageViews
{
    public static string PhysicalVolumes(StorageSnapshot s) => HtmlTable.Render(
        ["PV", "VG", "attr", "allocatable", "data offset", "device", "PV size", "free", "what lies on it"],
        s.PhysicalVolumes.Select(p => Row(p.Name, p.VolumeGroup, p.Attr, p.Allocatable ? "yes" : "NO", Mib(p.DataOffset), Mib(p.DeviceSize), Mib(p.Size), Mib(p.Free),
            string.Join("\n", p.Segments.Select(g => $"{g.Start}+{g.Length}: {g.LogicalVolume ?? "free"}")))));

    public static string Volumes(StorageSnapshot s) => HtmlTable.Render(
        ["volume", "attr", "size", "segments"],
        s.VolumeGroups.Select(v => Row($"VG {v.Name}", v.Attr, $"{Mib(v.Size)} ({v.PhysicalVolumeCount} PVs, {Mib(v.Free)} free)", ""))
            .Concat(s.LogicalVolumes.Select(l => Row($"LV {l.VolumeGroup}/{l.Name}", l.Attr, Mib(l.Size),
                string.Join("\n", l.Segments.SelectMany(g => g.Ranges.Select(r => $"{g.Start}+{g.Length} on {r.Device}:{r.First}-{r.Last}")))))));

    public static string Filesystems(StorageSnapshot s) => HtmlTable.Render(
        ["mount point", "source", "type", "options", "size", "used", "use%", "fstab"],
        s.Mounts.Where(m => m.Source.StartsWith("/dev/", StringComparison.Ordinal) || m.Target == "/").Select(m =>
        {
            var usage = s.UsageAt(m.Target);
            var fstab = s.Fstab.LastOrDefault(f => f.MountPoint == m.Target);
            return Row(m.Target, m.Source, m.FsType, string.Join(",", m.Options), usage is null ? null : Mib(usage.Size), usage is null ? null : Mib(usage.Used),
                usage?.UsePercent?.ToString(CultureInfo.InvariantCulture) + "%", fstab is null ? "(none)" : $"line {fstab.Line}: {fstab.Text}");
        }));

    public static string LoopDevices(StorageSnapshot s) => HtmlTable.Render(
        ["loop device", "backing file", "image size", "allocated"],
        s.LoopDevices.Select(l =>
        {
            var image = s.ImageFiles.FirstOrDefault(i => i.Path == l.BackingFile);
            return Row(l.Name, l.BackingFile + (l.BackingFileDeleted ? " (deleted)" : ""), image is null ? null : Mib(image.Size), image is null ? null : Mib(image.AllocatedBytes));
        }));

    public static string HeldFiles(StorageSnapshot s) => HtmlTable.Render(
        ["pid", "process", "fd", "deleted file", "size", "allocated"],
        s.DeletedOpenFiles.Where(f => f.AllocatedBytes > 0).Select(f => Row(f.Pid.ToString(CultureInfo.InvariantCulture), f.Command, f.Descriptor.ToString(CultureInfo.InvariantCulture), f.Path, Mib(f.Size), Mib(f.AllocatedBytes))));

    public static string KernelMessages(StorageSnapshot s) => HtmlTable.Preformatted(
        string.Join("\n", s.KernelMessages.Select(m => $"[{m.SinceBoot?.TotalSeconds,8:0.000}] {m.Text}").DefaultIfEmpty("(none)")), "kernel messages about storage");

    /// <summary>The state a storage fix changes, in one row: what each step of the repair is shown against.</summary>
    public static string Summary(StorageSnapshot s, string mountPoint, string volumeGroup, string logicalVolume, string? caption = null)
    {
        var mount = s.MountAt(mountPoint);
        var fstab = s.Fstab.LastOrDefault(f => f.MountPoint == mountPoint);
        var lv = s.LogicalVolume(volumeGroup, logicalVolume);
        var vg = s.VolumeGroup(volumeGroup);
        var remounters = Checks.StorageChecks.Remounters(s, mountPoint);
        return HtmlTable.Render(
            [mountPoint, "fstab", "remounter", "/ use%", "PVs of " + volumeGroup + " (attr, offset, size)", "VG", "LV / filesystem"],
            [Row(mount is null ? "not mounted" : mount.ReadOnly ? "READ-ONLY" : "rw",
                fstab is null ? "(none)" : string.Join(",", fstab.Options),
                remounters.IsEmpty ? "none" : string.Join("\n", remounters.SelectMany(r => r.Processes.Select(p => $"running: {p.Pid}").Concat(r.BootLines.Select(l => $"at boot: {l.Path}:{l.Line}")))),
                s.UsageAt("/")?.UsePercent?.ToString(CultureInfo.InvariantCulture) + "%",
                string.Join("\n", s.PhysicalVolumes.Where(p => p.VolumeGroup == volumeGroup).Select(p => $"{p.Name} {p.Attr} {Mib(p.DataOffset)} {Mib(p.Size)}")),
                vg is null ? "(none)" : $"{vg.PhysicalVolumeCount} PVs, {Mib(vg.Size)}, {Mib(vg.Free)} free",
                lv is null ? "(none)" : $"{Mib(lv.Size)} / {(s.UsageAt(mountPoint) is { } u ? Mib(u.Size) : "-")}")],
            caption);
    }

    public static string Downtime(DowntimeReport report) => HtmlTable.Render(
        ["requests", "failed", "slow (> 1 s)", "longest gap without a good answer", "latency median / max", "first failures"],
        [Row(report.Requests.ToString(CultureInfo.InvariantCulture), report.Failures.ToString(CultureInfo.InvariantCulture), report.Slow.ToString(CultureInfo.InvariantCulture), $"{report.LongestGap.TotalMilliseconds:0} ms",
            $"{report.MedianLatencyMs:0.0} / {report.MaxLatencyMs:0.0} ms", string.Join("\n", report.FirstFailures.Take(5).Select(f => $"{f.At:HH:mm:ss.fff} {f.Path}: {f.What}")))]);

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    private static string?[] Row(params string?[] cells) => cells;
}
