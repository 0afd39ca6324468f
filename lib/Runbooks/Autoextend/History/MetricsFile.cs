using System.Globalization;
using System.Text;

namespace Runbooks.Autoextend.History;

/// <summary>
/// The grower's metrics for node_exporter's textfile collector (--collector.textfile.directory): Prometheus text
/// exposition format, one series per volume (label volume="vg0/data0"), written whole or not at all.
/// </summary>
/// <remarks>
/// The counters count the events of the history they are made from: when rotation drops old files they go down,
/// which Prometheus takes for a restart of the counter (rate() and increase() handle it).
/// </remarks>
public static class MetricsFile
{
    public const string Prefix = "runbook_autoextend_";

    private sealed record Family(string Name, string Type, string Help, Func<GrowthTally, double?> Value);

    private static readonly Family[] Families =
    [
        Gauge("filesystem_size_bytes", "Size of the volume's filesystem (df), at the last sample.", t => t.LastSample?.FilesystemSize),
        Gauge("filesystem_used_bytes", "Bytes used in the volume's filesystem, at the last sample.", t => t.LastSample?.FilesystemUsed),
        Gauge("filesystem_available_bytes", "Bytes available to unprivileged users in the volume's filesystem, at the last sample.", t => t.LastSample?.FilesystemAvailable),
        Gauge("filesystem_inodes", "Inodes of the volume's filesystem, at the last sample.", t => t.LastSample?.InodesTotal),
        Gauge("filesystem_inodes_used", "Inodes in use in the volume's filesystem, at the last sample.", t => t.LastSample?.InodesUsed),
        Gauge("volume_size_bytes", "Size of the logical volume, at the last sample.", t => t.LastSample?.VolumeSize),
        Gauge("group_free_bytes", "Free space in the volume group, at the last sample.", t => t.LastSample?.GroupFree),
        Counter("extends_total", "Times the volume and its filesystem were grown.", t => t.Extends),
        Counter("extended_bytes_total", "Bytes the volume was grown by, in all.", t => t.GrownBytes),
        Counter("disks_added_total", "Disks added to the volume group to grow into.", t => t.DisksAdded),
        Counter("repairs_total", "Things put right that stood in the way of growing.", t => t.Repairs),
        Counter("failures_total", "Actions that failed, and samples that could not be taken.", t => t.Failures),
        Counter("alerts_total", "Alerts raised: the volume could not be kept below its threshold.", t => t.Alerts),
        Gauge("last_action_timestamp_seconds", "When the volume was last grown or repaired, in Unix seconds.", t => Seconds(t.LastAction)),
        Gauge("last_sample_timestamp_seconds", "When the volume was last sampled, in Unix seconds.", t => Seconds(t.LastSample?.Time)),
    ];

    /// <summary>The metrics of the volumes in <paramref name="records"/>.</summary>
    public static string Render(IEnumerable<GrowthRecord> records) => Render(GrowthTally.Of(records));

    /// <summary>
    /// Every family with its HELP and TYPE lines, then one line per volume that has a value: a volume not sampled yet
    /// has no gauges, one never grown no last_action_timestamp_seconds.
    /// </summary>
    public static string Render(IEnumerable<GrowthTally> tallies)
    {
        var list = tallies.ToList();
        var text = new StringBuilder();
        foreach (var family in Families)
        {
            text.Append("# HELP ").Append(Prefix).Append(family.Name).Append(' ').Append(family.Help).Append('\n');
            text.Append("# TYPE ").Append(Prefix).Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var tally in list)
                if (family.Value(tally) is { } value)
                    text.Append(Prefix).Append(family.Name).Append("{volume=\"").Append(LabelValue(tally.Volume)).Append("\"} ")
                        .Append(value.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// Writes the metrics to <paramref name="path"/> (which should end in .prom) through a temporary file in the same
    /// folder renamed over it, so the collector never reads half a file.
    /// </summary>
    public static void Write(string path, IEnumerable<GrowthTally> tallies)
    {
        var full = Path.GetFullPath(path);
        // not *.prom: the collector reads only those, and must not read this one before it is whole
        var temporary = $"{full}.{Environment.ProcessId}.tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(Render(tallies)));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <inheritdoc cref="Write(string, IEnumerable{GrowthTally})"/>
    public static void Write(string path, IEnumerable<GrowthRecord> records) => Write(path, GrowthTally.Of(records));

    private static Family Gauge(string name, string help, Func<GrowthTally, double?> value) => new(name, "gauge", help, value);

    private static Family Counter(string name, string help, Func<GrowthTally, double?> value) => new(name, "counter", help, value);

    private static double? Seconds(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds() / 1000.0;

    // The exposition format's escapes in label values: backslash, double quote and line feed.
    private static string LabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
