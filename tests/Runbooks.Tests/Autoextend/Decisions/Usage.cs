using System.Collections.Immutable;
using Runbooks.Autoextend.Decisions;
using Runbooks.Autoextend.Policy;

namespace Runbooks.Tests.Autoextend.Decisions;

/// <summary>Samples, volumes and policies with round figures, for the decider's tests.</summary>
internal static class Usage
{
    public const long MiB = 1L << 20;
    public const long GiB = 1L << 30;

    /// <summary>A 5000 MiB volume: 80 % of it is exactly 4000 MiB.</summary>
    public const long Size = 5000 * MiB;

    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly AutoextendPolicy DefaultPolicy = new() { Volume = "vg0/data0" };

    /// <summary>The LV of <see cref="Size"/> in a VG with 3 GiB free, 4 MiB extents, disk0–3, 6 GiB free for images.</summary>
    public static readonly VolumeState Volume = new(Size, 3 * GiB, 4 * MiB, 4, 6 * GiB)
    {
        ImagePaths = ["/media/disk0.img", "/media/disk1.img", "/media/disk2.img", "/media/disk3.img"],
    };

    /// <summary>A filesystem as big as its LV with nothing reserved (xfs-like): used + available = size.</summary>
    public static UsageSample Sample(DateTimeOffset time, long used, long size = Size, long inodesTotal = 0, long inodesUsed = 0) =>
        new(time, size, used, size - used, inodesTotal, inodesUsed);

    /// <summary>One sample at <see cref="Now"/>: no write rate.</summary>
    public static UsageSample[] Single(long used, long size = Size) => [Sample(Now, used, size)];

    /// <summary>
    /// <paramref name="count"/> samples a second apart ending at <paramref name="end"/> (default <see cref="Now"/>),
    /// used space growing at <paramref name="bytesPerSecond"/> (negative: shrinking) to <paramref name="usedAtEnd"/>.
    /// </summary>
    public static UsageSample[] Writing(double bytesPerSecond, long usedAtEnd, long size = Size, int count = 6, DateTimeOffset? end = null)
    {
        var last = end ?? Now;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var secondsBefore = count - 1 - i;
            return Sample(last.AddSeconds(-secondsBefore), usedAtEnd - (long)(bytesPerSecond * secondsBefore), size);
        })];
    }

    public static VolumeState WithGrowDurations(this VolumeState volume, params double[] seconds) =>
        volume with { ObservedGrowDurations = [.. seconds.Select(TimeSpan.FromSeconds)] };

    public static ImmutableArray<string> Images(params int[] numbers) => [.. numbers.Select(n => $"/media/disk{n}.img")];
}
