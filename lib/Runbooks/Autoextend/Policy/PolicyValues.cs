using System.Globalization;

namespace Runbooks.Autoextend.Policy;

/// <summary>
/// The text forms of policy values, shared by the config file and the command line.
/// Sizes: a bare number is bytes (<c>524288000</c>); K, M, G, T and P, in either case and with or without
/// <c>iB</c>, are powers of 1024, the way LVM reads <c>lvextend -L 500M</c> (<c>500M</c>, <c>1.5G</c>, <c>2GiB</c>);
/// <c>B</c> is bytes. <c>MB</c>, <c>GB</c>… are refused: some tools read them as powers of 1000, LVM as 1024.
/// Unlike LVM, a bare number is bytes, not MiB. A fraction of a byte rounds up.
/// Durations: a number with <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (<c>500ms</c>, <c>5s</c>, <c>2m</c>); a bare
/// number is seconds.
/// </summary>
public static class PolicyValues
{
    public const string SizeForms = "bytes or a number with K, M, G, T or P (powers of 1024, as LVM reads them): \"500M\", \"1.5G\", \"2GiB\", 524288000";

    public const string DurationForms = "a number with ms, s, m or h: \"500ms\", \"5s\", \"2m\" (a bare number is seconds)";

    /// <summary>Parses a size as the config file and the command line write it.</summary>
    public static bool TryParseSize(string text, out long bytes) => SizeProblem(text, out bytes) is null;

    /// <summary>Parses a duration as the config file and the command line write it.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration) => DurationProblem(text, out duration) is null;

    /// <summary>A percentage: a number, optionally followed by %.</summary>
    public static bool TryParsePercent(string text, out double percent)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.EndsWith('%'))
            trimmed = trimmed[..^1].TrimEnd();
        return double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out percent)
            && double.IsFinite(percent);
    }

    /// <summary>
    /// Bytes the way people read them: in the largest unit that holds them whole (<c>1800 MiB</c>, <c>4 GiB</c>, as
    /// they were most likely written), else with two decimals in the largest unit they fill (<c>1.51 GiB</c>).
    /// </summary>
    public static string FormatSize(long bytes)
    {
        (long Size, string Name)[] units = [(1L << 40, "TiB"), (1L << 30, "GiB"), (1L << 20, "MiB"), (1L << 10, "KiB")];
        foreach (var (size, name) in units)
        {
            if (bytes != 0 && bytes % size == 0 && Math.Abs(bytes / size) < 10_000)
                return $"{(bytes / size).ToString(CultureInfo.InvariantCulture)} {name}";
        }
        foreach (var (size, name) in units)
        {
            if (Math.Abs(bytes) >= size)
                return $"{(bytes / (double)size).ToString("0.00", CultureInfo.InvariantCulture)} {name}";
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
    }

    /// <summary>A duration in the form the config file takes: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1.5s</c>.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var milliseconds = duration.TotalMilliseconds;
        if (milliseconds != 0 && Math.Abs(milliseconds) < 1000)
            return milliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        var seconds = duration.TotalSeconds;
        if (seconds != 0 && seconds % 3600 == 0)
            return (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h";
        if (seconds != 0 && seconds % 60 == 0)
            return (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m";
        return seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
    }

    /// <summary>Null when <paramref name="text"/> is a size, else what is wrong with it (to follow the value).</summary>
    internal static string? SizeProblem(string text, out long bytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        bytes = 0;
        if (!SplitNumber(text, out var number, out var unit))
            return $"is not a size; expected {SizeForms}";

        long multiplier;
        switch (unit.ToLowerInvariant())
        {
            case "" or "b":
                multiplier = 1;
                break;
            case "k" or "kib":
                multiplier = 1L << 10;
                break;
            case "m" or "mib":
                multiplier = 1L << 20;
                break;
            case "g" or "gib":
                multiplier = 1L << 30;
                break;
            case "t" or "tib":
                multiplier = 1L << 40;
                break;
            case "p" or "pib":
                multiplier = 1L << 50;
                break;
            case "kb" or "mb" or "gb" or "tb" or "pb":
                var binary = char.ToUpperInvariant(unit[0]);
                return $"has the unit {unit}, which some tools read as a power of 1000 and LVM as a power of 1024; "
                    + $"write {number.ToString(CultureInfo.InvariantCulture)}{binary} or {number.ToString(CultureInfo.InvariantCulture)}{binary}iB for powers of 1024, or the bytes";
            default:
                return $"has an unknown unit \"{unit}\"; expected {SizeForms}";
        }

        // Checked before multiplying: decimal overflows too, just much later.
        if (number > long.MaxValue || number * multiplier > long.MaxValue)
            return $"is too large; expected {SizeForms}";
        bytes = (long)decimal.Ceiling(number * multiplier);
        return null;
    }

    /// <summary>Null when <paramref name="text"/> is a duration, else what is wrong with it (to follow the value).</summary>
    internal static string? DurationProblem(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = TimeSpan.Zero;
        if (!SplitNumber(text, out var number, out var unit))
            return $"is not a duration; expected {DurationForms}";
        // Far beyond any range here, checked before and after the unit so neither decimal nor TimeSpan overflows.
        if (number > 1e12m)
            return $"is too long; expected {DurationForms}";

        decimal milliseconds;
        switch (unit.ToLowerInvariant())
        {
            case "ms":
                milliseconds = number;
                break;
            case "" or "s":
                milliseconds = number * 1000;
                break;
            case "m":
                milliseconds = number * 60_000;
                break;
            case "h":
                milliseconds = number * 3_600_000;
                break;
            default:
                return $"has an unknown unit \"{unit}\"; expected {DurationForms}";
        }
        if (milliseconds > 1e12m)
            return $"is too long; expected {DurationForms}";
        duration = TimeSpan.FromMilliseconds((double)milliseconds);
        return null;
    }

    /// <summary>A non-negative decimal number, then a unit of letters (possibly after spaces); nothing else.</summary>
    private static bool SplitNumber(string text, out decimal number, out string unit)
    {
        var trimmed = text.Trim();
        var end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
            end++;
        unit = trimmed[end..].TrimStart();
        number = 0;
        return end > 0
            && unit.All(char.IsAsciiLetter)
            && decimal.TryParse(trimmed.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);
    }
}
