using System.Collections.Immutable;

namespace Runbooks.Storage.Snapshot;

/// <summary>A loop device (<c>losetup -J</c>).</summary>
/// <param name="BackingFile">The file as losetup names it, without the " (deleted)" it appends for a file removed
/// while attached (see <see cref="BackingFileDeleted"/>).</param>
/// <param name="SizeLimit">0: the whole file.</param>
public sealed record LoopDevice(string Name, string BackingFile, bool BackingFileDeleted, long SizeLimit, long Offset, bool AutoClear, bool ReadOnly);

/// <summary>A block device (<c>lsblk -J -b</c>), once even when it sits on several parents (an LV over several PVs).</summary>
/// <param name="FsType">Null when lsblk does not know it: it reads the udev database, so on a machine without udev it
/// is null for every device.</param>
/// <param name="Parents">Kernel names of the devices it sits on (lsblk's tree and PKNAME).</param>
public sealed record BlockDevice(
    string Name,
    string KernelName,
    string Type,
    long Size,
    string? FsType,
    ImmutableArray<string> MountPoints,
    bool ReadOnly,
    ImmutableArray<string> Parents);

/// <summary>A mounted filesystem (<c>findmnt -J -l</c>), in mount order.</summary>
/// <param name="Options">All options ("ro,relatime"); <see cref="VfsOptions"/> those of this mount, <see cref="FsOptions"/>
/// the filesystem's (superblock's).</param>
public sealed record Mount(
    int Id,
    int ParentId,
    string Target,
    string Source,
    string FsType,
    ImmutableArray<string> Options,
    ImmutableArray<string> VfsOptions,
    ImmutableArray<string> FsOptions)
{
    /// <summary>Writes fail with EROFS: the mount or the filesystem is read-only.</summary>
    public bool ReadOnly => VfsOptions.Contains("ro") || FsOptions.Contains("ro") || Options.Contains("ro");
}

/// <summary>One line of <c>df -B1 --output=…</c>: space in bytes and inodes.</summary>
/// <param name="UsePercent">df's Use%, rounded up as df does; null when df prints "-" (no size).</param>
public sealed record FilesystemUsage(
    string Source,
    string FsType,
    long Size,
    long Used,
    long Available,
    int? UsePercent,
    long Inodes,
    long InodesUsed,
    long InodesFree,
    int? InodesUsePercent,
    string Target);

/// <summary>A line of /etc/fstab. Octal escapes (\040 for a space) are decoded.</summary>
/// <param name="Text">The line as written, for evidence.</param>
public sealed record FstabEntry(int Line, string Spec, string MountPoint, string FsType, ImmutableArray<string> Options, int Dump, int Pass, string Text)
{
    public bool ReadOnly => Options.Contains("ro");
}

/// <summary>A disk image file: its apparent size and the bytes really allocated (less when sparse).</summary>
public sealed record ImageFile(string Path, long Size, long AllocatedBytes);

/// <summary>The attributes of a file or directory (<c>lsattr -d</c>): here the roots of mounted ext filesystems.</summary>
/// <param name="Flags">As lsattr prints them, one letter per attribute set ("----i---------e-------").</param>
public sealed record PathAttributes(string Path, string Flags)
{
    /// <summary>chattr +i: nothing in it can be created, removed or renamed, even by root.</summary>
    public bool Immutable => Flags.Contains('i', StringComparison.Ordinal);

    /// <summary>chattr +a: entries can be added, never removed or renamed.</summary>
    public bool AppendOnly => Flags.Contains('a', StringComparison.Ordinal);
}
