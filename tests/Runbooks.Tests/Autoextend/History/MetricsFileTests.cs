using System.Globalization;
using System.Text.RegularExpressions;
using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using static Runbooks.Tests.Autoextend.GrowthSamples;

namespace Runbooks.Tests.Autoextend.History;

public partial class MetricsFileTests
{
    [Fact]
    public void Metrics_are_valid_exposition_format_with_help_and_type_before_each_family()
    {
        var records = Filling(100).Concat([Event(101, GrowthEvent.AddDisk, 1024 * MiB), Event(102, GrowthEvent.Error, detail: "x"), Event(103, GrowthEvent.Alert)]);

        var families = Exposition.Parse(MetricsFile.Render(records));

        Assert.Equal(15, families.Count);
        Assert.All(families.Values, f => Assert.Contains(f.Type, new[] { "gauge", "counter" }));
        Assert.All(families.Values, f => Assert.False(string.IsNullOrWhiteSpace(f.Help)));
        Assert.All(families.Where(f => f.Value.Type == "counter"), f => Assert.EndsWith("_total", f.Key, StringComparison.Ordinal));
        Assert.All(families.Values.SelectMany(f => f.Samples), s => Assert.Equal("volume=\"vg0/data0\"", s.Labels));
    }

    [Fact]
    public void Values_come_from_the_last_sample_and_the_counts_of_events()
    {
        var records = new List<GrowthRecord>
        {
            Sample(0, 1024 * MiB, 900 * MiB, 1028 * MiB),
            Event(1, GrowthEvent.Extend, 500 * MiB, 1.5),
            Sample(2, 1524 * MiB, 910 * MiB, 1528 * MiB),
            Event(3, GrowthEvent.Extend, 500 * MiB, 1.5),
            Event(4, GrowthEvent.Error, detail: "lvextend: exit 5"),
            Event(5, GrowthEvent.Alert),
            Sample(6, 2024 * MiB, 1000 * MiB, 2028 * MiB),
        };

        var families = Exposition.Parse(MetricsFile.Render(records));
        double Value(string name) => Assert.Single(families[MetricsFile.Prefix + name].Samples).Value;

        Assert.Equal(2024 * MiB, Value("filesystem_size_bytes"));
        Assert.Equal(1000 * MiB, Value("filesystem_used_bytes"));
        Assert.Equal(1024 * MiB, Value("filesystem_available_bytes"));
        Assert.Equal(65536, Value("filesystem_inodes"));
        Assert.Equal(1200, Value("filesystem_inodes_used"));
        Assert.Equal(2028 * MiB, Value("volume_size_bytes"));
        Assert.Equal(2048 * MiB, Value("group_free_bytes"));
        Assert.Equal(2, Value("extends_total"));
        Assert.Equal(1000 * MiB, Value("extended_bytes_total"));
        Assert.Equal(0, Value("disks_added_total"));
        Assert.Equal(1, Value("failures_total"));
        Assert.Equal(1, Value("alerts_total"));
        Assert.Equal(Start.AddSeconds(3).ToUnixTimeSeconds(), Value("last_action_timestamp_seconds"));
        Assert.Equal(Start.AddSeconds(6).ToUnixTimeSeconds(), Value("last_sample_timestamp_seconds"));
    }

    [Fact]
    public void A_tally_kept_as_the_grower_goes_equals_the_one_made_from_the_history()
    {
        var records = Filling(300);
        var kept = records.Aggregate(GrowthTally.Empty("vg0/data0"), (tally, record) => tally.With(record));
        Assert.Equal(kept, Assert.Single(GrowthTally.Of(records)));
        Assert.Equal(MetricsFile.Render([kept]), MetricsFile.Render(records));
    }

    [Fact]
    public void Each_volume_has_its_own_series_within_one_family_block_and_labels_are_escaped()
    {
        var records = new[]
        {
            Sample(0, 10, 5, 12, "vg0/data0"),
            Sample(0, 20, 5, 22, "vg\"1\\x"),
            Event(1, GrowthEvent.Extend, 100, volume: "vg\"1\\x"),
        };

        var families = Exposition.Parse(MetricsFile.Render(records));

        Assert.Equal(["volume=\"vg0/data0\"", "volume=\"vg\\\"1\\\\x\""], families[MetricsFile.Prefix + "filesystem_size_bytes"].Samples.Select(s => s.Labels));
        Assert.Equal([0.0, 1], families[MetricsFile.Prefix + "extends_total"].Samples.Select(s => s.Value));
        Assert.Equal(["volume=\"vg\\\"1\\\\x\""], families[MetricsFile.Prefix + "last_action_timestamp_seconds"].Samples.Select(s => s.Labels));
    }

    [Fact]
    public void A_volume_not_sampled_yet_has_counters_but_no_gauges()
    {
        var families = Exposition.Parse(MetricsFile.Render([Event(0, GrowthEvent.Error, detail: "ssh: no route")]));

        Assert.Empty(families[MetricsFile.Prefix + "filesystem_size_bytes"].Samples);
        Assert.Empty(families[MetricsFile.Prefix + "last_sample_timestamp_seconds"].Samples);
        Assert.Equal(1, Assert.Single(families[MetricsFile.Prefix + "failures_total"].Samples).Value);
    }

    [Fact]
    public void Writing_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("autoextend.prom");
        File.WriteAllText(path, "old");

        MetricsFile.Write(path, Filling(10));

        Assert.Equal(MetricsFile.Render(Filling(10)), File.ReadAllText(path));
        Assert.Equal(["autoextend.prom"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    /// <summary>
    /// A strict reader of the text exposition format (0.0.4): comments are HELP or TYPE, every sample's family has its
    /// TYPE line first, a family's lines are not split up, names and labels are well-formed, values are numbers.
    /// </summary>
    private static partial class Exposition
    {
        public sealed record Sample(string Labels, double Value);

        public sealed record Family(string Type, string Help, List<Sample> Samples);

        public static Dictionary<string, Family> Parse(string text)
        {
            Assert.EndsWith("\n", text, StringComparison.Ordinal);
            var families = new Dictionary<string, Family>(StringComparer.Ordinal);
            string? current = null;
            var help = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (line, number) in text.TrimEnd('\n').Split('\n').Select((l, i) => (l, i + 1)))
            {
                if (HelpLine().Match(line) is { Success: true } h)
                {
                    Assert.False(help.ContainsKey(h.Groups[1].Value), $"line {number}: a second HELP for {h.Groups[1].Value}");
                    help[h.Groups[1].Value] = h.Groups[2].Value;
                }
                else if (TypeLine().Match(line) is { Success: true } t)
                {
                    var name = t.Groups[1].Value;
                    Assert.False(families.ContainsKey(name), $"line {number}: {name} has a second TYPE line, or its lines are split up");
                    families[name] = new Family(t.Groups[2].Value, help.GetValueOrDefault(name, ""), []);
                    current = name;
                }
                else if (SampleLine().Match(line) is { Success: true } s)
                {
                    Assert.True(s.Groups[1].Value == current, $"line {number}: a sample of {s.Groups[1].Value} outside its family's block");
                    Assert.True(double.TryParse(s.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value), $"line {number}: not a number");
                    var samples = families[current!].Samples;
                    Assert.DoesNotContain(samples, x => x.Labels == s.Groups[2].Value);
                    samples.Add(new Sample(s.Groups[2].Value, value));
                }
                else
                    Assert.Fail($"line {number} is not exposition format: {line}");
            }
            return families;
        }

        [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) ((?:[^\\\n]|\\\\|\\n)*)$")]
        private static partial Regex HelpLine();

        [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
        private static partial Regex TypeLine();

        [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\\\|\\""|\\n)*"",?)*)\} (-?[0-9.eE+-]+|NaN|[+-]Inf)$")]
        private static partial Regex SampleLine();
    }
}
