using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Hosts;

namespace Runbooks.Storage.Fixes;

/// <summary>The shell of the changes to a VG's disks, shared by the repair and the grower.</summary>
public static class DiskCommands
{
    /// <summary>LVM prints a warning on stderr for every descriptor an ssh session leaves open.</summary>
    public const string QuietLvm = "LVM_SUPPRESS_FD_WARNINGS=1";

    /// <summary>
    /// The <c>diskN.img</c> names in <paramref name="directory"/> that none of <paramref name="taken"/> has, lowest N
    /// first: how the repair and the grower name the disks they add.
    /// </summary>
    public static IEnumerable<string> FreeImagePaths(string directory, IEnumerable<string> taken)
    {
        var trimmed = directory.TrimEnd('/');
        var used = taken.ToHashSet(StringComparer.Ordinal);
        for (var n = 0; ; n++)
        {
            var path = $"{trimmed}/disk{n.ToString(CultureInfo.InvariantCulture)}.img";
            if (!used.Contains(path))
                yield return path;
        }
    }

    /// <summary>
    /// Creates the image, attaches it to a free loop device, makes it a PV and adds it to the VG: each part only if
    /// not done yet, so a run stopped half-way is finished by the next. It refuses, before writing anything, when the
    /// filesystem of the images would keep less than <paramref name="floorBytes"/> free, naming the figures.
    /// </summary>
    public static ImmutableArray<HostCommand> Add(string image, long size, string volumeGroup, string imageDirectory, long floorBytes)
    {
        var bytes = size.ToString(CultureInfo.InvariantCulture);
        var img = ShellQuote.Quote(image);
        var directory = ShellQuote.Quote(imageDirectory);
        var needed = (size + floorBytes).ToString(CultureInfo.InvariantCulture);
        var create = HostCommand.Shell(
            $"[ -e {img} ] || {{ mkdir -p {directory}; free=$(df -P -B1 {directory} | awk 'NR == 2 {{print $4}}'); "
            + $"[ \"$free\" -ge {needed} ] || {{ echo \"{imageDirectory} has $free bytes free; a {size >> 20} MiB disk image needs {needed} (with {floorBytes >> 20} MiB to spare): free space on that filesystem first\" >&2; exit 1; }}; "
            + $"fallocate -l {bytes} {img}; }}")
            .WithDescription($"fallocate -l {bytes} {image}   (if absent, and only with room for it)");
        var attach = HostCommand.Shell($"losetup -l -n -O NAME -j {img} | grep -q . || losetup -f {img}")
            .WithDescription($"losetup -f {image}   (if not attached yet)");
        var vg = ShellQuote.Quote(volumeGroup);
        var join = HostCommand.Shell(
            $"dev=$(losetup -l -n -O NAME -j {img} | head -n 1 | tr -d ' '); {QuietLvm} pvs \"$dev\" > /dev/null 2>&1 || {QuietLvm} pvcreate \"$dev\"; "
            + $"[ \"$({QuietLvm} pvs --noheadings -o vg_name \"$dev\" | tr -d ' ')\" = {vg} ] || {QuietLvm} vgextend {vg} \"$dev\"")
            .WithDescription($"pvcreate <its loop device>; vgextend {volumeGroup} <its loop device>");
        return [create, attach, join];
    }
}
