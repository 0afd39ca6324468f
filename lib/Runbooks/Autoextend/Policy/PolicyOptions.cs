using System.Globalization;
using System.Text.Json;
using Runbooks.Text;

namespace Runbooks.Autoextend.Policy;

/// <summary>The kinds of values options take; each has one text form, one JSON form and one kind of range.</summary>
internal enum ValueKind
{
    Volume,
    Percent,
    Size,
    WholeNumber,
    Duration,
    Factor,
    AbsolutePath,
    LocalPath,
    GroupFullAction,
}

/// <summary>
/// One option of <see cref="AutoextendPolicy"/>: its JSON key and command-line name, how its value is written and
/// what range it must fall in, and how to read and set it on a policy. The one table of these is what the loader,
/// <see cref="AutoextendPolicy.Validate"/> and the docs agree on. Messages start with the value as its source shows
/// it (<c>"5X" is not a size; expected …</c>): JSON text in a file, the quoted argument on the command line.
/// Values are boxed: each kind has one CLR type (string, double, long, int, TimeSpan, <see cref="WhenGroupFull"/>).
/// </summary>
internal sealed record PolicyOption(
    string Key,
    string CommandLine,
    ValueKind Kind,
    bool Optional,
    double Minimum,
    double Maximum,
    Func<AutoextendPolicy, object?> Get,
    Func<AutoextendPolicy, object?, AutoextendPolicy> Set)
{
    private const string None = "none";

    /// <summary>The form and range a value must have, after "expected".</summary>
    public string Expected => Kind switch
    {
        ValueKind.Volume => "the volume group and logical volume as VG/LV, e.g. \"vg0/data0\"",
        ValueKind.Percent => $"a percentage from {Number(Minimum)} to {Number(Maximum)}",
        ValueKind.Size when Minimum == 0 => $"a size of 0 or more{OrNone}: {PolicyValues.SizeForms}",
        ValueKind.Size => $"a size of at least {PolicyValues.FormatSize((long)Minimum)}{OrNone}: {PolicyValues.SizeForms}",
        ValueKind.WholeNumber => $"a whole number from {Number(Minimum)} to {Number(Maximum)}",
        ValueKind.Duration => $"a duration from {Seconds(Minimum)} to {Seconds(Maximum)}: {PolicyValues.DurationForms}",
        ValueKind.Factor => $"a number from {Number(Minimum)} to {Number(Maximum)}",
        ValueKind.AbsolutePath => "an absolute path on the machine holding the volume, e.g. \"/media\"",
        ValueKind.LocalPath => $"a file path{OrNone}",
        ValueKind.GroupFullAction => "\"addDisk\" or \"alert\"",
        _ => throw new InvalidOperationException($"No form for {Kind}."),
    };

    private string OrNone => Optional ? $" (or \"{None}\")" : "";

    /// <summary>What is wrong with <paramref name="value"/> (null: unset), to follow the value (<c>is out of range; …</c>); null when it is valid.</summary>
    public string? Check(object? value)
    {
        if (value is null)
            return Optional ? null : $"is missing; expected {Expected}";
        bool inRange;
        switch (value)
        {
            case string volume when Kind == ValueKind.Volume:
                return LvmNames.VolumeProblem(volume);
            case string path when Kind == ValueKind.AbsolutePath:
                return path.StartsWith('/') ? null : $"is not an absolute path; expected {Expected}";
            case string path when Kind == ValueKind.LocalPath:
                return string.IsNullOrWhiteSpace(path) ? $"is empty; expected {Expected}" : null;
            case WhenGroupFull action:
                return Enum.IsDefined(action) ? null : $"is not an action; expected {Expected}";
            case double number:
                inRange = double.IsFinite(number) && number >= Minimum && number <= Maximum;
                break;
            case long bytes:
                inRange = bytes >= Minimum && bytes <= Maximum;
                break;
            case int count:
                inRange = count >= Minimum && count <= Maximum;
                break;
            case TimeSpan duration:
                inRange = duration.TotalSeconds >= Minimum && duration.TotalSeconds <= Maximum;
                break;
            default:
                throw new InvalidOperationException($"{Key} holds a {value.GetType().Name}, not a {Kind}.");
        }
        return inRange ? null : $"is out of range; expected {Expected}";
    }

    /// <summary>What is wrong with the policy's value of this option, starting with the value; null when it is valid.</summary>
    public string? Check(AutoextendPolicy policy) => Check(Get(policy)) is { } problem ? $"{Show(Get(policy))} {problem}" : null;

    /// <summary>
    /// Reads a value written as text (the command line, or a JSON string): null when it is one, in range, else the
    /// problem, starting with the value as <paramref name="shown"/>. Optional options take "none" for unset.
    /// </summary>
    public string? FromText(string text, string shown, out object? value)
    {
        value = null;
        if (Optional && string.Equals(text.Trim(), None, StringComparison.OrdinalIgnoreCase))
            return null;

        switch (Kind)
        {
            case ValueKind.Volume or ValueKind.AbsolutePath or ValueKind.LocalPath:
                value = text;
                break;
            case ValueKind.Percent:
                if (!PolicyValues.TryParsePercent(text, out var percent))
                    return $"{shown} is not a percentage; expected {Expected}";
                value = percent;
                break;
            case ValueKind.Factor:
                if (!double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var factor))
                    return $"{shown} is not a number; expected {Expected}";
                value = factor;
                break;
            case ValueKind.WholeNumber:
                if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    return $"{shown} is not a whole number; expected {Expected}";
                value = count;
                break;
            case ValueKind.Size:
                if (PolicyValues.SizeProblem(text, out var bytes) is { } sizeProblem)
                    return $"{shown} {sizeProblem}";
                value = bytes;
                break;
            case ValueKind.Duration:
                if (PolicyValues.DurationProblem(text, out var duration) is { } durationProblem)
                    return $"{shown} {durationProblem}";
                value = duration;
                break;
            case ValueKind.GroupFullAction:
                var normalised = text.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
                if (string.Equals(normalised, "addDisk", StringComparison.OrdinalIgnoreCase))
                    value = WhenGroupFull.AddDisk;
                else if (string.Equals(normalised, "alert", StringComparison.OrdinalIgnoreCase))
                    value = WhenGroupFull.Alert;
                else
                    return Suggestions.Closest(text.Trim(), ["addDisk", "alert"]) is { } closest
                        ? $"{shown} is not an action; did you mean \"{closest}\"? expected {Expected}"
                        : $"{shown} is not an action; expected {Expected}";
                break;
            default:
                throw new InvalidOperationException($"No text form for {Kind}.");
        }
        return Check(value) is { } problem ? $"{shown} {problem}" : null;
    }

    /// <summary>
    /// Reads a JSON value: null when it is one, in range, else the problem, naming the value as
    /// <paramref name="shown"/>. Strings take the text forms; numbers are bytes for sizes and seconds for durations;
    /// null unsets an optional option.
    /// </summary>
    public string? FromJson(JsonElement element, string shown, out object? value)
    {
        value = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return FromText(element.GetString()!, shown, out value);
            case JsonValueKind.Null when Optional:
                return null;
            case JsonValueKind.Number when Kind is ValueKind.Percent or ValueKind.Factor:
                value = element.GetDouble();
                break;
            case JsonValueKind.Number when Kind == ValueKind.Size:
                if (!element.TryGetInt64(out var bytes))
                    return $"{shown} is not a whole number of bytes; expected {Expected}";
                value = bytes;
                break;
            case JsonValueKind.Number when Kind == ValueKind.WholeNumber:
                if (!element.TryGetInt32(out var count))
                    return $"{shown} is not a whole number; expected {Expected}";
                value = count;
                break;
            case JsonValueKind.Number when Kind == ValueKind.Duration:
                var seconds = element.GetDouble();
                // Checked before converting: TimeSpan cannot hold every double.
                if (!double.IsFinite(seconds) || seconds < Minimum || seconds > Maximum)
                    return $"{shown} is out of range; expected {Expected}";
                value = TimeSpan.FromSeconds(seconds);
                break;
            default:
                return $"expected {Expected}, got {shown}";
        }
        return Check(value) is { } problem ? $"{shown} {problem}" : null;
    }

    /// <summary>A value as the user would recognise it in a message about a policy built in code.</summary>
    public static string Show(object? value) => value switch
    {
        null => "none",
        string text => $"\"{text}\"",
        long bytes => PolicyValues.FormatSize(bytes),
        TimeSpan duration => PolicyValues.FormatDuration(duration),
        double number => Number(number),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Seconds(double seconds) => PolicyValues.FormatDuration(TimeSpan.FromSeconds(seconds));
}

/// <summary>The option table, and the rules between options.</summary>
internal static class PolicyOptions
{
    private const double Unbounded = double.PositiveInfinity;
    private const double Mebibyte = 1 << 20;

    public static readonly PolicyOption Volume = new("volume", "--lv", ValueKind.Volume, false, 0, 0,
        p => p.Volume, (p, v) => p with { Volume = (string)v! });

    public static readonly IReadOnlyList<PolicyOption> All =
    [
        Volume,
        new("usedPercentThreshold", "--used-percent-threshold", ValueKind.Percent, false, 1, 99,
            p => p.UsedPercentThreshold, (p, v) => p with { UsedPercentThreshold = (double)v! }),
        new("minimumFreeBytes", "--minimum-free-bytes", ValueKind.Size, true, Mebibyte, Unbounded,
            p => p.MinimumFreeBytes, (p, v) => p with { MinimumFreeBytes = (long?)v }),
        new("inodesUsedPercentThreshold", "--inodes-used-percent-threshold", ValueKind.Percent, false, 1, 99,
            p => p.InodesUsedPercentThreshold, (p, v) => p with { InodesUsedPercentThreshold = (double)v! }),
        new("step", "--step", ValueKind.Size, false, Mebibyte, Unbounded,
            p => p.Step, (p, v) => p with { Step = (long)v! }),
        new("maximumVolumeSize", "--maximum-volume-size", ValueKind.Size, true, Mebibyte, Unbounded,
            p => p.MaximumVolumeSize, (p, v) => p with { MaximumVolumeSize = (long?)v }),
        new("cooldown", "--cooldown", ValueKind.Duration, false, 0, 600,
            p => p.Cooldown, (p, v) => p with { Cooldown = (TimeSpan)v! }),
        new("sampleInterval", "--sample-interval", ValueKind.Duration, false, 0.1, 60,
            p => p.SampleInterval, (p, v) => p with { SampleInterval = (TimeSpan)v! }),
        new("rateWindow", "--rate-window", ValueKind.Duration, false, 1, 600,
            p => p.RateWindow, (p, v) => p with { RateWindow = (TimeSpan)v! }),
        new("timeToFullSafetyFactor", "--time-to-full-safety-factor", ValueKind.Factor, false, 1, 10,
            p => p.TimeToFullSafetyFactor, (p, v) => p with { TimeToFullSafetyFactor = (double)v! }),
        new("whenGroupFull", "--when-group-full", ValueKind.GroupFullAction, false, 0, 0,
            p => p.WhenGroupFull, (p, v) => p with { WhenGroupFull = (WhenGroupFull)v! }),
        new("imageDirectory", "--image-directory", ValueKind.AbsolutePath, false, 0, 0,
            p => p.ImageDirectory, (p, v) => p with { ImageDirectory = (string)v! }),
        // 8 MiB: LVM's first MiB and at least one extent of the default 4 MiB, with room to spare.
        new("diskSize", "--disk-size", ValueKind.Size, false, 8 * Mebibyte, Unbounded,
            p => p.DiskSize, (p, v) => p with { DiskSize = (long)v! }),
        new("maximumDisks", "--maximum-disks", ValueKind.WholeNumber, false, 1, 64,
            p => p.MaximumDisks, (p, v) => p with { MaximumDisks = (int)v! }),
        new("imageFilesystemFloor", "--image-filesystem-floor", ValueKind.Size, false, 0, Unbounded,
            p => p.ImageFilesystemFloor, (p, v) => p with { ImageFilesystemFloor = (long)v! }),
        new("growDurationEstimate", "--grow-duration-estimate", ValueKind.Duration, false, 0.1, 600,
            p => p.GrowDurationEstimate, (p, v) => p with { GrowDurationEstimate = (TimeSpan)v! }),
        new("alertRepeatInterval", "--alert-repeat-interval", ValueKind.Duration, false, 10, 86400,
            p => p.AlertRepeatInterval, (p, v) => p with { AlertRepeatInterval = (TimeSpan)v! }),
        new("historyPath", "--history-path", ValueKind.LocalPath, true, 0, 0,
            p => p.HistoryPath, (p, v) => p with { HistoryPath = (string?)v }),
        new("metricsPath", "--metrics-path", ValueKind.LocalPath, true, 0, 0,
            p => p.MetricsPath, (p, v) => p with { MetricsPath = (string?)v }),
    ];

    /// <summary>The option a JSON key names, exactly.</summary>
    public static PolicyOption? ByKey(string key) => All.FirstOrDefault(o => o.Key == key);

    /// <summary>
    /// The option a command-line name names: the option (<c>--used-percent-threshold</c>, <c>--lv</c>), with or
    /// without its dashes, or the JSON key (<c>usedPercentThreshold</c>, <c>volume</c>); case does not matter.
    /// </summary>
    public static PolicyOption? ByName(string name)
    {
        var wanted = Normalise(name);
        return All.FirstOrDefault(o => Normalise(o.Key) == wanted || Normalise(o.CommandLine) == wanted);
    }

    private static string Normalise(string name) => name.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>
    /// The rules between options, each reported against <c>Key</c>, after every option it <c>Involves</c> has a valid
    /// value; the message names the other option by its JSON key.
    /// </summary>
    public static IEnumerable<(string Key, string[] Involves, string Message)> CrossFieldProblems(AutoextendPolicy p)
    {
        if (p.MaximumVolumeSize is { } maximum && maximum < p.Step)
            yield return ("maximumVolumeSize", ["maximumVolumeSize", "step"],
                $"{PolicyValues.FormatSize(maximum)} is less than step ({PolicyValues.FormatSize(p.Step)}); the cap must leave room for at least one step");
        if (p.MinimumFreeBytes is { } minimumFree && p.MaximumVolumeSize is { } cap && minimumFree >= cap)
            yield return ("minimumFreeBytes", ["minimumFreeBytes", "maximumVolumeSize"],
                $"{PolicyValues.FormatSize(minimumFree)} is not less than maximumVolumeSize ({PolicyValues.FormatSize(cap)}); no volume within the cap could have that much free");
        if (p.RateWindow < 2 * p.SampleInterval)
            yield return ("rateWindow", ["rateWindow", "sampleInterval"],
                $"{PolicyValues.FormatDuration(p.RateWindow)} is shorter than two sample intervals (sampleInterval {PolicyValues.FormatDuration(p.SampleInterval)}); "
                + $"the write rate needs three samples in the window: make it {PolicyValues.FormatDuration(2 * p.SampleInterval)} or more");
    }
}
