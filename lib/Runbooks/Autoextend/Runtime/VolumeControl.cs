using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Capture;
using Runbooks.Hosts;
using Runbooks.Storage.Fixes;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Autoextend.Runtime;

/// <summary>The state of the volume a grower keeps, read in one round trip.</summary>
/// <param name="FilesystemBytes">What the filesystem itself spans (ext4: block count × block size; xfs: data blocks ×
/// block size): the figure that shows an LV grown without its filesystem. Null when the type is not ext2/3/4 or xfs.</param>
/// <param name="ImageDirectoryAvailable">Free bytes on the filesystem holding the disk images.</param>
public sealed record VolumeReading(
    string VolumeGroup,
    string LogicalVolume,
    string Device,
    string MountPoint,
    string FilesystemType,
    long VolumeSize,
    long? FilesystemBytes,
    long GroupFree,
    long ExtentSize,
    int DiskCount,
    long ImageDirectoryAvailable,
    ImmutableArray<string> ImageFiles)
{
    public string Volume => $"{VolumeGroup}/{LogicalVolume}";

    /// <summary>The LV is more than one extent larger than its filesystem: a grow was interrupted between the two.</summary>
    public bool FilesystemBehindVolume => FilesystemBytes is { } fs && VolumeSize - fs > ExtentSize;
}

/// <summary>
/// Reads and changes the volume a grower keeps: extend the LV, grow its filesystem by type (ext4 online with
/// resize2fs, xfs mounted with xfs_growfs), add a disk. Each change is its own command, so a crash between the LV
/// and the filesystem leaves a state <see cref="VolumeReading.FilesystemBehindVolume"/> names and the next start repairs.
/// </summary>
public sealed class VolumeControl
{
    private static readonly TimeSpan s_changeTimeout = TimeSpan.FromMinutes(5);

    private readonly IHost _host;
    private readonly SectionedCapture _read;

    public VolumeControl(IHost host, string volumeGroup, string logicalVolume, string imageDirectory)
    {
        _host = host;
        VolumeGroup = volumeGroup;
        LogicalVolume = logicalVolume;
        ImageDirectory = imageDirectory;
        var device = ShellQuote.Quote($"/dev/{volumeGroup}/{logicalVolume}");
        _read = new SectionedCapture("volume",
        [
            new("lvm", "lvm", $"lvm fullreport --reportformat json --units b --nosuffix {StorageCapture.LvmColumns}"),
            new("findmnt", "findmnt", StorageCapture.FindmntCommand),
            new("df", "df", $"{StorageCapture.DfCommand} {ShellQuote.Quote(imageDirectory)}"),
            new("images", "ls", $"ls -1d {ShellQuote.Quote(imageDirectory.TrimEnd('/'))}/*.img 2>/dev/null; true", $"ls {imageDirectory}/*.img"),
            new("fsbytes", "sh", $"rb_fsbytes {device}", "dumpe2fs -h / xfs_info: the filesystem's own size"),
        ], """
            LVM_SUPPRESS_FD_WARNINGS=1
            export LVM_SUPPRESS_FD_WARNINGS
            rb_fsbytes() {
              rb_t=$(findmnt -n -o FSTYPE --source "$1" | head -n 1)
              case $rb_t in
                ext2|ext3|ext4) dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block count/ {c = $2} /^Block size/ {s = $2} END {printf "%.0f\n", c * s}' ;;
                xfs) xfs_info "$(findmnt -n -o TARGET --source "$1" | head -n 1)" | sed -n 's/^data *= *bsize=\([0-9]*\) *blocks=\([0-9]*\).*/\1 \2/p' | awk '{printf "%.0f\n", $1 * $2}' ;;
              esac
              return 0
            }

            """);
    }

    public string VolumeGroup { get; }

    public string LogicalVolume { get; }

    public string ImageDirectory { get; }

    public string Device => $"/dev/{VolumeGroup}/{LogicalVolume}";

    /// <exception cref="VolumeException">The VG or LV does not exist, or the LV is not mounted.</exception>
    public async Task<VolumeReading> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await _host.RunAsync(HostCommand.Shell(SectionedCapture.CommandLine(_read.Script(SectionedCapture.NewToken())))
            .WithValidation(CommandValidation.None).WithRemoteTimeout(TimeSpan.FromSeconds(60)).WithDescription($"read {VolumeGroup}/{LogicalVolume}"), cancellationToken).ConfigureAwait(false);
        var (raw, done) = _read.Split(result.StandardOutput);
        var sections = new CaptureSections(_read, raw, done);
        var lvm = sections.Parse("lvm", LvmReportParser.ParseFullReport, new LvmFullReport([], [], []));
        var mounts = sections.Parse("findmnt", FindmntParser.Parse, []);
        var usage = sections.Parse("df", DfParser.Parse, []);
        var images = sections.Fixed("images") ?? "";
        var fsBytes = sections.Fixed("fsbytes")?.Trim();
        if (sections.Problems.FirstOrDefault(p => p.Section is "lvm" or "findmnt") is { } problem)
            throw new VolumeException($"could not read {VolumeGroup}/{LogicalVolume} on {_host.Name}: {problem.Command}: {problem.Message}");
        var vg = lvm.VolumeGroups.FirstOrDefault(v => v.Name == VolumeGroup)
            ?? throw new VolumeException($"{_host.Name} has no volume group \"{VolumeGroup}\" (it has: {string.Join(", ", lvm.VolumeGroups.Select(v => v.Name).DefaultIfEmpty("none"))})");
        var lv = lvm.LogicalVolumes.FirstOrDefault(l => l.VolumeGroup == VolumeGroup && l.Name == LogicalVolume)
            ?? throw new VolumeException($"{VolumeGroup} on {_host.Name} has no logical volume \"{LogicalVolume}\" (it has: {string.Join(", ", lvm.LogicalVolumes.Where(l => l.VolumeGroup == VolumeGroup).Select(l => l.Name).DefaultIfEmpty("none"))})");
        var mapper = $"/dev/mapper/{VolumeGroup.Replace("-", "--", StringComparison.Ordinal)}-{LogicalVolume.Replace("-", "--", StringComparison.Ordinal)}";
        var mount = mounts.LastOrDefault(m => m.Source == mapper || m.Source == Device)
            ?? throw new VolumeException($"{Device} is not mounted on {_host.Name}: the grower keeps a mounted filesystem; mount it first");
        return new VolumeReading(VolumeGroup, LogicalVolume, Device, mount.Target, mount.FsType, lv.Size,
            long.TryParse(fsBytes, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0 ? bytes : null,
            vg.Free, vg.ExtentSize, vg.PhysicalVolumeCount, usage.LastOrDefault()?.Available ?? 0,
            [.. images.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
    }

    /// <summary>`lvextend -L +BYTES`: the LV only (LVM rounds up to whole extents).</summary>
    public Task ExtendVolumeAsync(long bytes, CancellationToken cancellationToken = default) =>
        _host.RunAsync(HostCommand.Shell($"{DiskCommands.QuietLvm} lvextend -L +{bytes.ToString(CultureInfo.InvariantCulture)}b {ShellQuote.Quote($"{VolumeGroup}/{LogicalVolume}")}")
            .WithRemoteTimeout(s_changeTimeout).WithDescription($"lvextend -L +{bytes >> 20}m {VolumeGroup}/{LogicalVolume}"), cancellationToken);

    /// <summary>The filesystem grown to its LV, online: resize2fs for ext2/3/4, xfs_growfs for xfs.</summary>
    /// <exception cref="VolumeException">A filesystem type that cannot be grown online here.</exception>
    public Task GrowFilesystemAsync(VolumeReading volume, CancellationToken cancellationToken = default)
    {
        var command = volume.FilesystemType switch
        {
            "ext2" or "ext3" or "ext4" => HostCommand.Exec("resize2fs", volume.Device),
            "xfs" => HostCommand.Exec("xfs_growfs", volume.MountPoint),
            var other => throw new VolumeException($"{volume.Device} holds a {other} filesystem, which this grower cannot grow online (ext2/3/4 and xfs only)"),
        };
        return _host.RunAsync(command.WithRemoteTimeout(s_changeTimeout), cancellationToken);
    }

    /// <summary>Adds a disk image to the VG (<see cref="DiskCommands.Add"/>).</summary>
    public async Task AddDiskAsync(string image, long size, long floorBytes, CancellationToken cancellationToken = default)
    {
        foreach (var command in DiskCommands.Add(image, size, VolumeGroup, ImageDirectory, floorBytes))
            await _host.RunAsync(command.WithRemoteTimeout(s_changeTimeout), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The volume a grower keeps is missing, not mounted, or of a kind it cannot grow.</summary>
public sealed class VolumeException(string message) : Exception(message);
