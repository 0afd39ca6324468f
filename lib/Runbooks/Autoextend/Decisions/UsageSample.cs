namespace Runbooks.Autoextend.Decisions;

/// <summary>
/// One look at the filesystem on the volume: what <c>statfs</c> reports, as <c>df -B1 --output=size,used,avail,itotal,iused</c>
/// prints it. Bytes and inode counts.
/// </summary>
/// <param name="Time">When it was taken.</param>
/// <param name="FilesystemSize">f_blocks: the filesystem's size, less what ext4 keeps for its own metadata.</param>
/// <param name="FilesystemUsed">f_blocks − f_bfree: in use, including what ext4 has promised to delayed writes.</param>
/// <param name="FilesystemAvailable">f_bavail: what a non-root writer can still use (ext4 keeps 5 % for root by
/// default, so used + available is less than the size).</param>
/// <param name="InodesTotal">f_files; 0 on filesystems without a fixed inode count.</param>
/// <param name="InodesUsed">f_files − f_ffree.</param>
public sealed record UsageSample(
    DateTimeOffset Time,
    long FilesystemSize,
    long FilesystemUsed,
    long FilesystemAvailable,
    long InodesTotal,
    long InodesUsed)
{
    /// <summary>What non-root writers can fill: used + available.</summary>
    public long Usable => FilesystemUsed + FilesystemAvailable;

    /// <summary>used / (used + available), as df computes Use% (before df rounds it up); 100 for a filesystem with no room at all.</summary>
    public double UsedPercent => Usable > 0 ? 100.0 * FilesystemUsed / Usable : 100;

    /// <summary>The share of inodes in use; 0 when the filesystem reports no inode count.</summary>
    public double InodesUsedPercent => InodesTotal > 0 ? 100.0 * InodesUsed / InodesTotal : 0;
}
