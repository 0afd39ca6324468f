namespace Runbooks.Autoextend.Decisions;

/// <summary>Why the grower cannot grow the volume any further by itself, and someone has to look.</summary>
public enum AlertKind
{
    /// <summary>The VG has no extent left and the policy says <see cref="Policy.WhenGroupFull.Alert"/>.</summary>
    GroupFull,

    /// <summary>The LV is at the policy's maximum size.</summary>
    MaximumVolumeSizeReached,

    /// <summary>A new disk image would leave less than the floor free where images live.</summary>
    ImageFilesystemFloorReached,

    /// <summary>The VG has as many disks as the policy allows.</summary>
    MaximumDisksReached,
}

/// <summary>What made a grow necessary; several can hold at once.</summary>
[Flags]
public enum GrowthTriggers
{
    None = 0,

    /// <summary>Used space at or over the threshold.</summary>
    UsedPercent = 1,

    /// <summary>Available space under the policy's minimum.</summary>
    MinimumFree = 2,

    /// <summary>Inodes used at or over the threshold.</summary>
    InodesUsedPercent = 4,

    /// <summary>At the current write rate the volume fills sooner than the safety factor allows.</summary>
    TimeToFull = 8,
}

/// <summary>
/// What the grower should do after a sample: one of <see cref="NoAction"/>, <see cref="Wait"/>, <see cref="Grow"/>,
/// <see cref="AddDiskThenGrow"/> or <see cref="Alert"/>. <see cref="Reason"/> says why in a sentence with figures,
/// for the log and the operator.
/// </summary>
public abstract record Decision
{
    // Only the kinds below: callers switch over them exhaustively.
    private protected Decision(string reason) => Reason = reason;

    public string Reason { get; }
}

/// <summary>Nothing to do: no trigger holds, or it holds but was already alerted.</summary>
public sealed record NoAction(string Reason) : Decision(Reason);

/// <summary>A threshold asks for a grow, but the last one finished within the cooldown; decide again after <paramref name="Until"/>.</summary>
public sealed record Wait(DateTimeOffset Until, string Reason) : Decision(Reason);

/// <summary>Extend the LV by <paramref name="Bytes"/> and grow its filesystem (<c>lvextend -r -L +{Bytes}b</c>).</summary>
/// <param name="Bytes">A whole number of the VG's extents, within its free space and the policy's maximum size.</param>
public sealed record Grow(long Bytes, GrowthTriggers Triggers, string Reason) : Decision(Reason);

/// <summary>
/// Create <paramref name="ImagePath"/> of <paramref name="DiskSize"/> bytes, attach it, make it a PV and add it to the
/// VG; then grow as <see cref="Grow"/> does by <paramref name="Bytes"/>, which the VG only has with the new disk.
/// </summary>
public sealed record AddDiskThenGrow(string ImagePath, long DiskSize, long Bytes, GrowthTriggers Triggers, string Reason) : Decision(Reason);

/// <summary>The volume needs room the grower may not give it. The caller raises it and records it in
/// <see cref="VolumeState.LastAlert"/>, which keeps the same alert quiet for the policy's repeat interval.</summary>
public sealed record Alert(AlertKind Kind, string Reason) : Decision(Reason);
