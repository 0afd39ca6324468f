namespace Runbooks.Autoextend.Policy;

/// <summary>
/// LVM's rules for volume group and logical volume names (lvm(8), VALID NAMES), checked before any command runs so
/// a typo is reported as such rather than as lvextend's "not found".
/// </summary>
public static class LvmNames
{
    /// <summary>LVM's NAME_LEN is 128 with the terminating NUL.</summary>
    public const int MaximumLength = 127;

    public const string Characters = "a-z A-Z 0-9 + _ . -";

    // LVM names the hidden sub-volumes of raid, mirror, cache, thin and vdo LVs with these.
    private static readonly string[] ReservedInLogicalVolumes =
        ["_cdata", "_cmeta", "_corig", "_iorig", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig"];

    /// <summary>Why <paramref name="volume"/> is not a valid <c>VG/LV</c>, or null when it is.</summary>
    public static string? VolumeProblem(string volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var parts = volume.Split('/');
        if (volume.StartsWith("/dev/", StringComparison.Ordinal))
        {
            var hint = parts is ["", "dev", var vg, var lv] && vg != "mapper" ? $"; did you mean \"{vg}/{lv}\"?" : "";
            return $"is a device path; expected VG/LV as LVM names it, e.g. \"vg0/data0\"{hint}";
        }
        if (parts.Length != 2)
            return "is not VG/LV; expected the volume group and the logical volume with one '/' between, e.g. \"vg0/data0\"";
        return VolumeGroupProblem(parts[0]) ?? LogicalVolumeProblem(parts[1]);
    }

    /// <summary>Why <paramref name="name"/> cannot name a volume group, or null when it can.</summary>
    public static string? VolumeGroupProblem(string name) => CommonProblem("VG", name);

    /// <summary>Why <paramref name="name"/> cannot name a logical volume, or null when it can.</summary>
    public static string? LogicalVolumeProblem(string name)
    {
        if (CommonProblem("LV", name) is { } problem)
            return problem;
        if (name is "snapshot" or "pvmove")
            return $"has the LV name \"{name}\", which LVM reserves";
        return ReservedInLogicalVolumes.FirstOrDefault(r => name.Contains(r, StringComparison.Ordinal)) is { } reserved
            ? $"has the LV name \"{name}\", which contains \"{reserved}\", reserved by LVM for hidden sub-volumes"
            : null;
    }

    private static string? CommonProblem(string what, string name)
    {
        if (name.Length == 0)
            return $"has an empty {what} name; expected VG/LV, e.g. \"vg0/data0\"";
        if (name.Length > MaximumLength)
            return $"has a {what} name of {name.Length} characters; LVM allows at most {MaximumLength}";
        if (name is "." or "..")
            return $"has the {what} name \"{name}\", which LVM does not allow";
        if (name[0] == '-')
            return $"has the {what} name \"{name}\", which starts with '-'; LVM names cannot";
        foreach (var c in name)
        {
            if (!IsNameCharacter(c))
                return $"has the {what} name \"{name}\" with '{c}' in it; LVM names use only {Characters}";
        }
        return null;
    }

    private static bool IsNameCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '+' or '_' or '.' or '-';
}
