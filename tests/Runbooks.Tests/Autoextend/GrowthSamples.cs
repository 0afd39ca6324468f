using Runbooks.Autoextend;

namespace Runbooks.Tests.Autoextend;

/// <summary>Histories made up for the tests: a volume filling at a steady rate and grown 500 MiB whenever it passes 80%.</summary>
internal static class GrowthSamples
{
    public const long MiB = 1024 * 1024;
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public static GrowthRecord Sample(double seconds, long size, long used, long volumeSize, string volume = "vg0/data0") =>
        new(Start.AddSeconds(seconds), GrowthEvent.Sample, volume, size, used, size - used, 65536, 1200, volumeSize, 2048 * MiB, null, null, null);

    public static GrowthRecord Event(double seconds, GrowthEvent kind, long? bytes = null, double? took = null, string? detail = null, string volume = "vg0/data0") =>
        new(Start.AddSeconds(seconds), kind, volume, 0, 0, 0, 0, 0, 0, 0, bytes, took, detail);

    /// <summary>
    /// <paramref name="samples"/> samples a second apart of a 1 GiB volume filling by <paramref name="rate"/> a second,
    /// an Extend of 500 MiB each time used passes 80% of the size (the sample after shows the new size).
    /// </summary>
    public static List<GrowthRecord> Filling(int samples, long rate = 2 * MiB)
    {
        var records = new List<GrowthRecord>();
        long size = 1024 * MiB, used = 600 * MiB;
        for (var i = 0; i < samples; i++)
        {
            records.Add(Sample(i, size, used, size + 4 * MiB));
            if (used > size * 0.8)
            {
                records.Add(Event(i + 0.5, GrowthEvent.Extend, 500 * MiB, 1.25, "lvextend -r -L +500M vg0/data0"));
                size += 500 * MiB;
            }
            used += rate;
        }
        return records;
    }
}
