using System.Globalization;
using Runbooks.Autoextend.Policy;

namespace Runbooks.Autoextend.Decisions;

/// <summary>Numbers as the reasons show them: binary sizes and rates, as LVM counts, and short durations.</summary>
internal static class Figures
{
    public static string Size(long bytes) => PolicyValues.FormatSize(bytes);

    public static string Size(double bytes) => PolicyValues.FormatSize((long)Math.Round(bytes));

    public static string Rate(double bytesPerSecond) =>
        (bytesPerSecond / (1 << 20)).ToString(Math.Abs(bytesPerSecond) >= 10 << 20 ? "0" : "0.0", CultureInfo.InvariantCulture) + " MiB/s";

    public static string Percent(double percent) => percent.ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A threshold as the policy has it: 80%, 85.5%.</summary>
    public static string Threshold(double percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan duration) => Duration(duration.TotalSeconds);

    /// <summary>5 s, 3.1 s, 16.2 s, 6 min 40 s, 2 h 5 min.</summary>
    public static string Duration(double seconds)
    {
        if (double.IsPositiveInfinity(seconds))
            return "never";
        if (seconds < 60)
            return seconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
        var whole = (long)Math.Round(seconds);
        if (whole < 3600)
            return whole % 60 == 0 ? $"{whole / 60} min" : $"{whole / 60} min {whole % 60} s";
        var minutes = whole / 60;
        return minutes % 60 == 0 ? $"{minutes / 60} h" : $"{minutes / 60} h {minutes % 60} min";
    }
}
