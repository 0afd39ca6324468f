using Runbooks.Autoextend;
using Runbooks.Autoextend.History;

namespace Runbooks.Tests.Autoextend.History;

public sealed class MetricsWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static GrowthRecord Sample(DateTimeOffset at, long used) =>
        new(at, GrowthEvent.Sample, "vg0/data0", 4L << 30, used, (4L << 30) - used, 1000, 10, 4L << 30, 1L << 30, null, null, null);

    [Fact]
    public void An_unchanged_volume_is_written_once_per_refresh_and_a_change_at_once()
    {
        var path = Path.Combine(_folder.Path, "new-folder", "autoextend.prom");
        var writer = new MetricsWriter(path, TimeSpan.FromSeconds(15));
        var tally = GrowthTally.Empty("vg0/data0");
        var writes = new List<int>();
        for (var second = 0; second < 40; second++)
        {
            // Used space changes only at second 20.
            tally = tally.With(Sample(T0.AddSeconds(second), second < 20 ? 100 : 200));
            if (writer.Update(tally, T0.AddSeconds(second)))
                writes.Add(second);
        }

        Assert.Equal([0, 15, 20, 35], writes);
        Assert.Contains("runbook_autoextend_filesystem_used_bytes{volume=\"vg0/data0\"} 200", File.ReadAllText(path), StringComparison.Ordinal);
    }
}
