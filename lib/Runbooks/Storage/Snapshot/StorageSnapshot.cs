using Runbooks.Capture;
using System.Collections.Immutable;

namespace Runbooks.Storage.Snapshot;

/// <summary>
/// One machine's storage state, captured in one round trip (<see cref="StorageCapture"/>): LVM (PVs with their
/// segments, VGs, LVs with theirs), loop devices and their backing files, block devices, mounts, usage, fstab,
/// processes holding deleted files, recent kernel messages about storage, and the process list. What a section
/// could not capture is in <see cref="Problems"/> rather than an exception, so one missing tool does not hide the
/// rest of the machine.
/// </summary>
/// <param name="Host">The name the machine was reached by.</param>
/// <param name="Hostname">What the machine calls itself (<c>uname -n</c>).</param>
/// <param name="Uptime">Time since boot (<c>/proc/uptime</c>), to place <see cref="KernelMessages"/> in time; null
/// when it could not be read.</param>
/// <param name="ImageFiles">Files backing loop devices and /media/*.img, with apparent and allocated size.</param>
/// <param name="Fstab">/etc/fstab entries, with their line numbers.</param>
/// <param name="DeletedOpenFiles">Files deleted while a process still holds them open (their space is not freed).</param>
/// <param name="KernelMessages">The last kernel messages about ext4, xfs, loop, device-mapper and remounts.</param>
public sealed record StorageSnapshot(
    string Host,
    string Hostname,
    DateTimeOffset CapturedAt,
    TimeSpan? Uptime,
    ImmutableArray<PhysicalVolume> PhysicalVolumes,
    ImmutableArray<VolumeGroup> VolumeGroups,
    ImmutableArray<LogicalVolume> LogicalVolumes,
    ImmutableArray<LoopDevice> LoopDevices,
    ImmutableArray<BlockDevice> BlockDevices,
    ImmutableArray<Mount> Mounts,
    ImmutableArray<FilesystemUsage> Usage,
    ImmutableArray<FstabEntry> Fstab,
    ImmutableArray<ImageFile> ImageFiles,
    ImmutableArray<DeletedOpenFile> DeletedOpenFiles,
    ImmutableArray<KernelMessage> KernelMessages,
    ImmutableArray<ProcessEntry> Processes,
    ImmutableArray<CaptureProblem> Problems)
{
    /// <summary>Lines mentioning mounts in the scripts that running shells execute (<c>grep -n mount</c>), with the script's path.</summary>
    public ImmutableArray<ScriptLine> MountLinesInScripts { get; init; } = [];

    /// <summary>Lines of the boot and cron files (<see cref="StorageCapture.BootFiles"/>) that attach, mount or start
    /// something in the background: what happens again after a reboot.</summary>
    public ImmutableArray<ScriptLine> BootLines { get; init; } = [];

    /// <summary>The attributes of each mounted ext filesystem's root (immutable, append-only…).</summary>
    public ImmutableArray<PathAttributes> MountRootAttributes { get; init; } = [];

    /// <summary>LVM's settings that differ from its defaults: filters, activation lists, and the rest.</summary>
    public ImmutableArray<LvmSetting> LvmSettings { get; init; } = [];

    /// <summary>The warnings LVM printed while reporting (missing devices, duplicates, metadata problems).</summary>
    public ImmutableArray<string> LvmWarnings { get; init; } = [];

    public PhysicalVolume? PhysicalVolume(string name) => PhysicalVolumes.FirstOrDefault(p => p.Name == name);

    public VolumeGroup? VolumeGroup(string name) => VolumeGroups.FirstOrDefault(v => v.Name == name);

    public LogicalVolume? LogicalVolume(string volumeGroup, string name) =>
        LogicalVolumes.FirstOrDefault(l => l.VolumeGroup == volumeGroup && l.Name == name);

    /// <summary>The mount at <paramref name="target"/> that is visible: the last one mounted there.</summary>
    public Mount? MountAt(string target) => Mounts.LastOrDefault(m => m.Target == target);

    public FilesystemUsage? UsageAt(string target) => Usage.LastOrDefault(u => u.Target == target);

    public LoopDevice? LoopDevice(string name) => LoopDevices.FirstOrDefault(l => l.Name == name);

    public ProcessEntry? Process(int pid) => Processes.FirstOrDefault(p => p.Pid == pid);
}
