namespace Runbooks.Autoextend.Decisions;

/// <summary>
/// How fast used space grows, from recent samples. Used bytes, not free ones: a grow changes free space, not what
/// the writers have written.
/// </summary>
public static class WriteRate
{
    /// <summary>
    /// Bytes per second at which used space grew over the <paramref name="window"/> that ends at the latest sample;
    /// negative while more is deleted than written; null with fewer than two samples in it.
    /// </summary>
    /// <remarks>
    /// Two estimates, both robust to one outlying sample once the window holds five or more, and the higher wins,
    /// because underestimating fills the volume while overestimating only grows it early:
    /// the Theil–Sen slope (the median of the slopes between every pair of samples) follows a writer that writes in
    /// bursts between samples; the median of the slopes between consecutive samples ignores a deletion in the window
    /// (one step down), which would drag the first towards zero for as long as the window holds it.
    /// </remarks>
    public static double? Estimate(IReadOnlyList<UsageSample> samples, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2)
            return null;

        var ordered = samples.OrderBy(s => s.Time).ToList();
        var start = ordered[^1].Time - window;
        var inWindow = ordered.Where(s => s.Time >= start).ToList();

        var consecutive = new List<double>();
        for (var i = 1; i < inWindow.Count; i++)
        {
            if (Slope(inWindow[i - 1], inWindow[i]) is { } slope)
                consecutive.Add(slope);
        }
        if (consecutive.Count == 0)
            return null;

        var pairs = new List<double>();
        for (var i = 0; i < inWindow.Count; i++)
        {
            for (var j = i + 1; j < inWindow.Count; j++)
            {
                if (Slope(inWindow[i], inWindow[j]) is { } slope)
                    pairs.Add(slope);
            }
        }
        return Math.Max(Median(pairs), Median(consecutive));
    }

    /// <summary>Null for samples taken at the same moment, which say nothing about a rate.</summary>
    private static double? Slope(UsageSample earlier, UsageSample later)
    {
        var seconds = (later.Time - earlier.Time).TotalSeconds;
        return seconds > 0 ? (later.FilesystemUsed - earlier.FilesystemUsed) / seconds : null;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
