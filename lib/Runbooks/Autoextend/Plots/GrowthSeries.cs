using System.Collections.Immutable;
using static System.FormattableString;

namespace Runbooks.Autoextend.Plots;

/// <summary>One sample as plotted: seconds since the start, sizes in GiB.</summary>
internal sealed record PlotPoint(double Seconds, DateTimeOffset Time, double Used, double Size, double Volume, double Threshold);

/// <summary>An event as plotted: where it is marked (on the used line at its time) and what it says.</summary>
internal sealed record PlotEvent(double Seconds, GrowthRecord Record, double Used, string Label)
{
    public string Tooltip => Invariant($"{Record.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC {GrowthEvents.Name(Record.Kind)}") +
        (Record.ActionBytes is { } b ? $" {GrowthSeries.Size(b)}" : "") +
        (Record.ActionSeconds is { } s ? Invariant($" in {s:0.###} s") : "") +
        (Record.Detail is { } d ? $": {d}" : "");
}

/// <summary>
/// What both plots draw, from one volume's records: the samples make the lines (used, size, LV size, threshold), every
/// other record is an event marked on the used line. Times count from the volume's first record.
/// </summary>
internal sealed class GrowthSeries
{
    private const double GiB = 1024.0 * 1024 * 1024;

    private GrowthSeries(string volume, DateTimeOffset start, ImmutableArray<PlotPoint> points, ImmutableArray<PlotEvent> events, double thresholdPercent)
    {
        Volume = volume;
        Start = start;
        Points = points;
        Events = events;
        ThresholdPercent = thresholdPercent;
    }

    public string Volume { get; }

    public DateTimeOffset Start { get; }

    public ImmutableArray<PlotPoint> Points { get; }

    public ImmutableArray<PlotEvent> Events { get; }

    public double ThresholdPercent { get; }

    public double Duration => Math.Max(Points.Select(p => p.Seconds).Concat(Events.Select(e => e.Seconds)).DefaultIfEmpty(0).Max(), 0);

    public double Highest => Points.SelectMany(p => new[] { p.Used, p.Size, p.Volume, p.Threshold }).Concat(Events.Select(e => e.Used)).DefaultIfEmpty(0).Max();

    /// <exception cref="ArgumentException">No records, or none of the volume asked for, or options that cannot be drawn.</exception>
    public static GrowthSeries Of(IReadOnlyList<GrowthRecord> records, GrowthPlotOptions options)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (options.Width < 300 || options.Height < 200 || options.MaxSvgPoints < 2 || !(options.ThresholdPercent is > 0 and <= 100))
            throw new ArgumentOutOfRangeException(nameof(options), options,
                "a plot needs at least 300 × 200 pixels, MaxSvgPoints at least 2, and a threshold above 0 and at most 100 percent");
        if (records.Count == 0)
            throw new ArgumentException("the history has no records: nothing to plot", nameof(records));
        var volume = options.Volume ?? records.OrderBy(r => r.Time).First().Volume;
        var mine = records.Where(r => r.Volume == volume).OrderBy(r => r.Time).ToList();
        if (mine.Count == 0)
            throw new ArgumentException($"the history has no records of {volume}; it has {string.Join(", ", records.Select(r => r.Volume).Distinct())}", nameof(records));
        var start = mine[0].Time;
        var share = options.ThresholdPercent / 100;
        var points = mine.Where(r => r.Kind == GrowthEvent.Sample)
            .Select(r => new PlotPoint(Seconds(start, r.Time), r.Time, r.FilesystemUsed / GiB, r.FilesystemSize / GiB, r.VolumeSize / GiB, r.FilesystemSize * share / GiB))
            .ToImmutableArray();
        var events = mine.Where(r => r.Kind != GrowthEvent.Sample)
            .Select(r => new PlotEvent(Seconds(start, r.Time), r, UsedAt(points, Seconds(start, r.Time)) ?? r.FilesystemUsed / GiB, Label(r)))
            .ToImmutableArray();
        return new GrowthSeries(volume, start, points, events, options.ThresholdPercent);
    }

    /// <summary>
    /// The samples the SVG draws: all of them up to <paramref name="max"/>, else the first and last, both samples
    /// around each change of size, and the lowest and highest use in each of equal stretches of time.
    /// </summary>
    public ImmutableArray<PlotPoint> Thinned(int max)
    {
        if (Points.Length <= Math.Max(max, 2))
            return Points;
        var keep = new SortedSet<int> { 0, Points.Length - 1 };
        for (var i = 1; i < Points.Length; i++)
            if (Points[i].Size != Points[i - 1].Size || Points[i].Volume != Points[i - 1].Volume)
            {
                keep.Add(i - 1);
                keep.Add(i);
            }
        var buckets = Math.Max(1, (max - keep.Count) / 2);
        var first = Points[0].Seconds;
        var span = Math.Max(Points[^1].Seconds - first, 1e-9);
        foreach (var bucket in Enumerable.Range(0, Points.Length).GroupBy(i => Math.Min(buckets - 1, (int)((Points[i].Seconds - first) / span * buckets))))
        {
            keep.Add(bucket.MinBy(i => Points[i].Used));
            keep.Add(bucket.MaxBy(i => Points[i].Used));
        }
        return [.. keep.Select(i => Points[i])];
    }

    /// <summary>"500 MiB", "1.5 GiB": sizes as a person reads them.</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 40 => Invariant($"{bytes / (double)(1L << 40):0.##} TiB"),
        >= 1L << 30 => Invariant($"{bytes / GiB:0.##} GiB"),
        >= 1L << 20 => Invariant($"{bytes / (double)(1L << 20):0.##} MiB"),
        _ => Invariant($"{bytes} B"),
    };

    private static string Label(GrowthRecord r) => r.Kind switch
    {
        GrowthEvent.Extend => r.ActionBytes is { } b ? $"+{Size(b)}" : "extend",
        GrowthEvent.AddDisk => r.ActionBytes is { } b ? $"disk +{Size(b)}" : "disk added",
        _ => GrowthEvents.Name(r.Kind),
    };

    private static double Seconds(DateTimeOffset start, DateTimeOffset time) => (time - start).TotalSeconds;

    // Used at a time between two samples, on the straight line between them; the nearest sample outside them.
    private static double? UsedAt(ImmutableArray<PlotPoint> points, double seconds)
    {
        if (points.IsEmpty)
            return null;
        var (low, high) = (0, points.Length - 1);
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (points[middle].Seconds < seconds)
                low = middle + 1;
            else
                high = middle;
        }
        // low: the first sample at or after the time, or the last sample
        var after = points[low];
        if (low == 0 || after.Seconds < seconds || after.Seconds == seconds)
            return after.Used;
        var before = points[low - 1];
        return before.Used + (after.Used - before.Used) * (seconds - before.Seconds) / (after.Seconds - before.Seconds);
    }
}
