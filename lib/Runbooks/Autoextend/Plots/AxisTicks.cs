using System.Collections.Immutable;
using System.Globalization;

namespace Runbooks.Autoextend.Plots;

/// <summary>Round tick values for an axis from 0, and labels for time ticks: "45 s", "12:30" (mm:ss) or "1:02:30".</summary>
internal static class AxisTicks
{
    private static readonly double[] TimeSteps =
        [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];

    /// <summary>Steps of 1, 2, 2.5 or 5 times a power of ten, about <paramref name="count"/> of them up to at least <paramref name="max"/>.</summary>
    public static ImmutableArray<double> Values(double max, int count = 6)
    {
        if (max <= 0)
            max = 1;
        var rough = max / count;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        return Up(max, step);
    }

    /// <summary>Round steps of time (1 s … 30 days), at most about <paramref name="count"/> of them up to at least <paramref name="max"/> seconds.</summary>
    public static ImmutableArray<double> Times(double max, int count = 8)
    {
        if (max <= 0)
            max = 1;
        var step = TimeSteps.FirstOrDefault(s => max / s <= count, TimeSteps[^1] * Math.Ceiling(max / count / TimeSteps[^1]));
        return Up(max, step);
    }

    /// <summary>How the time axis is labelled for a plot <paramref name="duration"/> seconds long.</summary>
    public static string TimeUnit(double duration) => duration < 120 ? "s" : duration < 3600 ? "mm:ss" : "h:mm:ss";

    public static string Time(double seconds, double duration)
    {
        var whole = (long)Math.Round(seconds);
        return TimeUnit(duration) switch
        {
            "s" => Number(seconds) + " s",
            "mm:ss" => string.Create(CultureInfo.InvariantCulture, $"{whole / 60}:{whole % 60:00}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{whole / 3600}:{whole / 60 % 60:00}:{whole % 60:00}"),
        };
    }

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static ImmutableArray<double> Up(double max, double step)
    {
        var ticks = ImmutableArray.CreateBuilder<double>();
        for (var i = 0; ; i++)
        {
            var value = Math.Round(i * step, 9);
            ticks.Add(value);
            if (value >= max * (1 - 1e-9))
                return ticks.ToImmutable();
        }
    }
}
