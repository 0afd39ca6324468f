namespace Runbooks.Autoextend;

/// <summary>What a line of the growth history records.</summary>
public enum GrowthEvent
{
    /// <summary>The volume as measured: nothing was done.</summary>
    Sample,

    /// <summary>The logical volume and its filesystem were grown (lvextend -r) by <see cref="GrowthRecord.ActionBytes"/>.</summary>
    Extend,

    /// <summary>A disk was added to the volume group because it had too little free space to grow into.</summary>
    AddDisk,

    /// <summary>Someone was told: the volume could not be kept below its threshold.</summary>
    Alert,

    /// <summary>An action failed, or the volume could not be measured; <see cref="GrowthRecord.Detail"/> says what happened.</summary>
    Error,

    /// <summary>Something that stood in the way of growing was put right.</summary>
    Repair,
}

/// One line of the history: a sample of the volume, or an action with its outcome.
public sealed record GrowthRecord(
    DateTimeOffset Time,
    GrowthEvent Kind,          // enum GrowthEvent { Sample, Extend, AddDisk, Alert, Error, Repair }
    string Volume,             // "vg0/data0"
    long FilesystemSize, long FilesystemUsed, long FilesystemAvailable,
    long InodesTotal, long InodesUsed,
    long VolumeSize, long GroupFree,
    long? ActionBytes, double? ActionSeconds, string? Detail);
