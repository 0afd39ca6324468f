namespace Runbooks.Autoextend.History;

/// <summary>
/// Keeps a metrics file current without rewriting it every sample: it is written when a value other than the last
/// sample's time changes, and otherwise every <see cref="Refresh"/> so the timestamp still shows the grower is alive.
/// On an idle volume that is one write per <see cref="Refresh"/> instead of one a second (each a create, an fsync
/// and a rename: most of what an idle grower cost on the emulated twin).
/// </summary>
public sealed class MetricsWriter(string path, TimeSpan? refresh = null)
{
    /// <summary>The default refresh: the usual Prometheus scrape interval.</summary>
    public static readonly TimeSpan DefaultRefresh = TimeSpan.FromSeconds(15);

    private GrowthTally? _written;
    private DateTimeOffset _writtenAt;

    public string Path { get; } = path;

    public TimeSpan Refresh { get; } = refresh ?? DefaultRefresh;

    /// <summary>Writes <paramref name="tally"/> if it differs from the last one written or that one is stale; true if it wrote.</summary>
    public bool Update(GrowthTally tally, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tally);
        if (_written is { } last && Timeless(last) == Timeless(tally) && now - _writtenAt < Refresh)
            return false;
        MetricsFile.Write(Path, [tally]);
        (_written, _writtenAt) = (tally, now);
        return true;
    }

    private static GrowthTally Timeless(GrowthTally t) => t with { LastSample = t.LastSample is { } s ? s with { Time = default } : null };
}
