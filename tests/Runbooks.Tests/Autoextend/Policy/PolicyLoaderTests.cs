using System.Text;
using Runbooks.Autoextend.Policy;

namespace Runbooks.Tests.Autoextend.Policy;

public sealed class PolicyLoaderTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private const string FullExample = """
        {
          "$schema": "./autoextend-policy.schema.json",
          // The twin's data volume.
          "volume": "vg0/data0",
          "usedPercentThreshold": 85.5,
          "minimumFreeBytes": "1G",
          "inodesUsedPercentThreshold": "95%",
          "step": "1G",
          "maximumVolumeSize": "20GiB",
          "cooldown": "3s",
          "sampleInterval": "500ms",
          "rateWindow": 10,
          "timeToFullSafetyFactor": 3,
          "whenGroupFull": "alert",
          "imageDirectory": "/srv/images",
          "diskSize": 2147483648,
          "maximumDisks": 12,
          "imageFilesystemFloor": "2G",
          "growDurationEstimate": "4.5s",
          "alertRepeatInterval": "1h",
          "historyPath": "history.jsonl",
          "metricsPath": "/var/lib/runbook/metrics.prom",
        }
        """;

    private static IEnumerable<KeyValuePair<string, string>> Options(params (string Name, string Value)[] options) =>
        options.Select(o => KeyValuePair.Create(o.Name, o.Value));

    private IReadOnlyList<PolicyProblem> Problems(string json, params (string, string)[] options)
    {
        var path = folder.File("autoextend.json", json);
        return Assert.Throws<PolicyException>(() => PolicyLoader.Load(path, Options(options))).Problems;
    }

    [Fact]
    public void Loads_every_option_from_a_file()
    {
        var path = folder.File("autoextend.json", FullExample);

        var policy = PolicyLoader.Load(path);

        Assert.Equal(new AutoextendPolicy
        {
            Volume = "vg0/data0",
            UsedPercentThreshold = 85.5,
            MinimumFreeBytes = 1L << 30,
            InodesUsedPercentThreshold = 95,
            Step = 1L << 30,
            MaximumVolumeSize = 20L << 30,
            Cooldown = TimeSpan.FromSeconds(3),
            SampleInterval = TimeSpan.FromMilliseconds(500),
            RateWindow = TimeSpan.FromSeconds(10),
            TimeToFullSafetyFactor = 3,
            WhenGroupFull = WhenGroupFull.Alert,
            ImageDirectory = "/srv/images",
            DiskSize = 2L << 30,
            MaximumDisks = 12,
            ImageFilesystemFloor = 2L << 30,
            GrowDurationEstimate = TimeSpan.FromSeconds(4.5),
            AlertRepeatInterval = TimeSpan.FromHours(1),
            HistoryPath = Path.Combine(folder.Path, "history.jsonl"),
            MetricsPath = "/var/lib/runbook/metrics.prom",
        }, policy);
    }

    [Fact]
    public void Loads_the_example_in_the_docs()
    {
        // docs/autoextend-policy.md, "Example".
        var policy = PolicyLoader.Parse("""
            {
              // autoextend.json: the storage twin's data volume
              "volume": "vg0/data0",
              "usedPercentThreshold": 80,
              "minimumFreeBytes": "512M",
              "step": "500M",
              "maximumVolumeSize": "12G",
              "cooldown": "5s",
              "sampleInterval": "1s",
              "whenGroupFull": "addDisk",
              "imageDirectory": "/media",
              "diskSize": "1800M",
              "maximumDisks": 8,
              "imageFilesystemFloor": "1G",
              "historyPath": "/var/lib/runbook/autoextend-history.jsonl",
            }
            """, folder.Combine("autoextend.json"));

        Assert.Equal(new AutoextendPolicy
        {
            Volume = "vg0/data0",
            MinimumFreeBytes = 512L << 20,
            MaximumVolumeSize = 12L << 30,
            HistoryPath = "/var/lib/runbook/autoextend-history.jsonl",
        }, policy);
    }

    [Fact]
    public void Fills_what_the_file_leaves_out_with_the_defaults()
    {
        var policy = PolicyLoader.Parse("""{ "volume": "vg1/logs" }""", folder.Combine("p.json"));

        Assert.Equal(new AutoextendPolicy { Volume = "vg1/logs" }, policy);
    }

    [Fact]
    public void Command_line_values_override_the_file()
    {
        var path = folder.File("autoextend.json", FullExample);

        var policy = PolicyLoader.Load(path, Options(
            ("--lv", "vg1/logs"), ("--step", "250M"), ("used-percent-threshold", "70"), ("whenGroupFull", "add-disk"),
            ("--maximum-volume-size", "none"), ("--cooldown", "0"), ("--history-path", "h.jsonl")));

        Assert.Equal("vg1/logs", policy.Volume);
        Assert.Equal(250L << 20, policy.Step);
        Assert.Equal(70, policy.UsedPercentThreshold);
        Assert.Equal(WhenGroupFull.AddDisk, policy.WhenGroupFull);
        Assert.Null(policy.MaximumVolumeSize);
        Assert.Equal(TimeSpan.Zero, policy.Cooldown);
        // Relative to where the grower runs, as any command-line path.
        Assert.Equal("h.jsonl", policy.HistoryPath);
        Assert.Equal(1L << 30, policy.MinimumFreeBytes);
    }

    [Fact]
    public void The_last_of_a_repeated_option_wins()
    {
        var policy = PolicyLoader.Load(null, Options(("--lv", "vg0/data0"), ("--step", "1G"), ("--step", "2G")));

        Assert.Equal(2L << 30, policy.Step);
    }

    [Fact]
    public void Needs_no_file_when_the_command_line_names_the_volume()
    {
        var policy = PolicyLoader.Load(null, Options(("--lv", "vg0/data0")));

        Assert.Equal(new AutoextendPolicy { Volume = "vg0/data0" }, policy);
    }

    [Fact]
    public void A_volume_is_required_from_the_file_or_the_command_line()
    {
        var fromNothing = Assert.Single(Assert.Throws<PolicyException>(() => PolicyLoader.Load(null)).Problems);
        var fromFile = Assert.Single(Problems("""{ "step": "1G" }"""));

        Assert.Equal("command line: --lv: missing: the logical volume to keep from filling, as VG/LV, e.g. --lv vg0/data0", fromNothing.ToString());
        Assert.Equal(folder.Combine("autoextend.json"), fromFile.Source);
        Assert.Equal("missing required key \"volume\": the logical volume to keep from filling, as VG/LV, e.g. \"volume\": \"vg0/data0\" (or --lv vg0/data0)",
            fromFile.Message);
        PolicyLoader.Load(folder.Combine("autoextend.json"), Options(("--lv", "vg0/data0")));
    }

    [Fact]
    public void A_bad_value_is_reported_with_file_line_column_key_value_and_range()
    {
        var problem = Assert.Single(Problems("""
            {
              "volume": "vg0/data0",
              "usedPercentThreshold": 120
            }
            """));

        Assert.Equal(
            $"{folder.Combine("autoextend.json")}:3:27: usedPercentThreshold: 120 is out of range; expected a percentage from 1 to 99",
            problem.ToString());
    }

    [Theory]
    [InlineData("volume", "\"vg0\"", "\"vg0\" is not VG/LV; expected the volume group and the logical volume with one '/' between, e.g. \"vg0/data0\"")]
    [InlineData("volume", "\"/dev/vg0/data0\"", "did you mean \"vg0/data0\"?")]
    [InlineData("volume", "null", "expected the volume group and logical volume as VG/LV, e.g. \"vg0/data0\", got null")]
    [InlineData("usedPercentThreshold", "0", "0 is out of range; expected a percentage from 1 to 99")]
    [InlineData("usedPercentThreshold", "\"eighty\"", "\"eighty\" is not a percentage; expected a percentage from 1 to 99")]
    [InlineData("usedPercentThreshold", "true", "expected a percentage from 1 to 99, got true")]
    [InlineData("inodesUsedPercentThreshold", "99.5", "99.5 is out of range; expected a percentage from 1 to 99")]
    [InlineData("minimumFreeBytes", "0", "0 is out of range; expected a size of at least 1 MiB (or \"none\")")]
    [InlineData("step", "\"5X\"", "\"5X\" has an unknown unit \"X\"; expected bytes or a number with K, M, G, T or P")]
    [InlineData("step", "\"500MB\"", "\"500MB\" has the unit MB, which some tools read as a power of 1000")]
    [InlineData("step", "1.5", "1.5 is not a whole number of bytes; expected a size of at least 1 MiB")]
    [InlineData("step", "\"512K\"", "\"512K\" is out of range; expected a size of at least 1 MiB: bytes or a number with K, M, G, T or P")]
    [InlineData("step", "[500]", "expected a size of at least 1 MiB: bytes or a number with K, M, G, T or P (powers of 1024, as LVM reads them): \"500M\", \"1.5G\", \"2GiB\", 524288000, got an array")]
    [InlineData("maximumVolumeSize", "\"-1G\"", "\"-1G\" is not a size")]
    [InlineData("cooldown", "\"5x\"", "\"5x\" has an unknown unit \"x\"; expected a number with ms, s, m or h: \"500ms\", \"5s\", \"2m\" (a bare number is seconds)")]
    [InlineData("cooldown", "\"11m\"", "\"11m\" is out of range; expected a duration from 0s to 10m")]
    [InlineData("sampleInterval", "0.05", "0.05 is out of range; expected a duration from 100ms to 1m")]
    [InlineData("sampleInterval", "\"2m\"", "\"2m\" is out of range; expected a duration from 100ms to 1m")]
    [InlineData("rateWindow", "{}", "expected a duration from 1s to 10m", "got an object")]
    [InlineData("timeToFullSafetyFactor", "0.5", "0.5 is out of range; expected a number from 1 to 10")]
    [InlineData("whenGroupFull", "\"alrt\"", "\"alrt\" is not an action; did you mean \"alert\"? expected \"addDisk\" or \"alert\"")]
    [InlineData("whenGroupFull", "\"panic\"", "\"panic\" is not an action; expected \"addDisk\" or \"alert\"")]
    [InlineData("imageDirectory", "\"media\"", "\"media\" is not an absolute path; expected an absolute path on the machine holding the volume")]
    [InlineData("diskSize", "\"4M\"", "\"4M\" is out of range; expected a size of at least 8 MiB")]
    [InlineData("maximumDisks", "0", "0 is out of range; expected a whole number from 1 to 64")]
    [InlineData("maximumDisks", "2.5", "2.5 is not a whole number; expected a whole number from 1 to 64")]
    [InlineData("imageFilesystemFloor", "-1", "-1 is out of range; expected a size of 0 or more")]
    [InlineData("growDurationEstimate", "\"0s\"", "\"0s\" is out of range; expected a duration from 100ms to 10m")]
    [InlineData("alertRepeatInterval", "\"2d\"", "\"2d\" has an unknown unit \"d\"")]
    [InlineData("historyPath", "\"  \"", "\"  \" is empty; expected a file path (or \"none\")")]
    [InlineData("metricsPath", "42", "expected a file path (or \"none\"), got 42")]
    public void Each_bad_value_says_what_was_expected(string key, string json, string expected, string? alsoExpected = null)
    {
        var text = key == "volume" ? $$"""{ "volume": {{json}} }""" : $$"""{ "volume": "vg0/data0", "{{key}}": {{json}} }""";

        var problem = Assert.Single(Problems(text));

        Assert.Equal(key, problem.Key);
        Assert.Equal(1, problem.Line);
        Assert.Contains(expected, problem.Message);
        Assert.Contains(alsoExpected ?? "", problem.Message);
    }

    [Fact]
    public void Null_unsets_an_optional_option()
    {
        var policy = PolicyLoader.Parse("""{ "volume": "vg0/data0", "maximumVolumeSize": null, "historyPath": null }""", folder.Combine("p.json"));

        Assert.Null(policy.MaximumVolumeSize);
        Assert.Null(policy.HistoryPath);
    }

    [Fact]
    public void Unknown_key_suggests_the_close_one()
    {
        var problems = Problems("""
            {
              "volume": "vg0/data0",
              "usedPercent": 85,
              "cooldwn": "5s",
              "colour": "blue"
            }
            """);

        Assert.Equal(
            [
                (3, 3, "unknown key \"usedPercent\"; did you mean \"usedPercentThreshold\"?"),
                (4, 3, "unknown key \"cooldwn\"; did you mean \"cooldown\"?"),
            ],
            problems.Take(2).Select(p => (p.Line!.Value, p.Column!.Value, p.Message)));
        Assert.StartsWith("unknown key \"colour\"; expected one of \"volume\", \"usedPercentThreshold\"", problems[2].Message);
        Assert.All(problems, p => Assert.Equal("", p.Key));
    }

    [Fact]
    public void Unknown_command_line_option_suggests_the_close_one()
    {
        var problems = Assert.Throws<PolicyException>(() => PolicyLoader.Load(null, Options(
            ("--lv", "vg0/data0"), ("--used-percent", "85"), ("--colour", "blue")))).Problems;

        Assert.Equal("command line: --used-percent: unknown option; did you mean \"--used-percent-threshold\"?", problems[0].ToString());
        Assert.StartsWith("unknown option; expected one of --lv, --used-percent-threshold", problems[1].Message);
    }

    [Fact]
    public void A_bad_command_line_value_names_the_option()
    {
        var problem = Assert.Single(Assert.Throws<PolicyException>(() => PolicyLoader.Load(null, Options(
            ("--lv", "vg0/data0"), ("--step", "lots")))).Problems);

        Assert.Equal("command line: --step: \"lots\" is not a size; expected bytes or a number with K, M, G, T or P "
            + "(powers of 1024, as LVM reads them): \"500M\", \"1.5G\", \"2GiB\", 524288000", problem.ToString());
    }

    [Fact]
    public void Reports_every_problem_of_the_file_and_the_command_line_at_once()
    {
        var problems = Problems("""
            {
              "volume": "vg0/data0",
              "step": "0",
              "usedPercentThreshold": 150,
              "sampleIntervall": "1s",
              "cooldown": "forever"
            }
            """, ("--maximum-disks", "100"), ("--when-group-full", "shrug"));

        var file = folder.Combine("autoextend.json");
        Assert.Equal(
            [
                $"{file}:3:11: step: \"0\" is out of range; expected a size of at least 1 MiB: bytes or a number with K, M, G, T or P (powers of 1024, as LVM reads them): \"500M\", \"1.5G\", \"2GiB\", 524288000",
                $"{file}:4:27: usedPercentThreshold: 150 is out of range; expected a percentage from 1 to 99",
                $"{file}:5:3: unknown key \"sampleIntervall\"; did you mean \"sampleInterval\"?",
                $"{file}:6:15: cooldown: \"forever\" is not a duration; expected a number with ms, s, m or h: \"500ms\", \"5s\", \"2m\" (a bare number is seconds)",
                "command line: --maximum-disks: \"100\" is out of range; expected a whole number from 1 to 64",
                "command line: --when-group-full: \"shrug\" is not an action; expected \"addDisk\" or \"alert\"",
            ],
            problems.Select(p => p.ToString()));
    }

    [Fact]
    public void A_bad_file_value_is_reported_even_when_the_command_line_overrides_it()
    {
        var problem = Assert.Single(Problems("""{ "volume": "vg0/data0", "step": "big" }""", ("--step", "1G")));

        Assert.Equal("step", problem.Key);
    }

    [Fact]
    public void Rules_between_options_are_reported_where_the_user_set_them()
    {
        var inFile = Assert.Single(Problems("""
            {
              "volume": "vg0/data0",
              "step": "1G",
              "maximumVolumeSize": "512M"
            }
            """));
        var onCommandLine = Assert.Single(Assert.Throws<PolicyException>(() => PolicyLoader.Load(null, Options(
            ("--lv", "vg0/data0"), ("--sample-interval", "4s")))).Problems);

        Assert.Equal((4, 24), (inFile.Line!.Value, inFile.Column!.Value));
        Assert.Equal("maximumVolumeSize", inFile.Key);
        Assert.Equal("512 MiB is less than step (1 GiB); the cap must leave room for at least one step", inFile.Message);
        Assert.Equal("command line: --rate-window: 5s is shorter than two sample intervals (sampleInterval 4s); "
            + "the write rate needs three samples in the window: make it 8s or more", onCommandLine.ToString());
    }

    [Fact]
    public void A_rule_between_options_waits_for_each_to_be_valid()
    {
        var problem = Assert.Single(Problems("""{ "volume": "vg0/data0", "step": "lots", "maximumVolumeSize": "1M" }"""));

        Assert.Equal("step", problem.Key);
    }

    [Fact]
    public void Invalid_json_is_reported_where_the_reader_stopped()
    {
        var problem = Assert.Single(Problems("""
            {
              "volume": "vg0/data0"
              "step": "1G"
            }
            """));

        Assert.Equal(3, problem.Line);
        Assert.StartsWith("invalid JSON:", problem.Message);
    }

    [Theory]
    [InlineData("", "invalid JSON: the file is empty; it needs at least { \"volume\": \"vg0/data0\" }, or {} with --lv")]
    [InlineData("[1]", "expected the policy to be an object { \"volume\": \"vg0/data0\", ... }, got an array")]
    public void Says_what_the_file_should_hold(string json, string expected) =>
        Assert.Equal(expected, Assert.Single(Problems(json)).Message);

    [Fact]
    public void Reports_a_duplicated_key()
    {
        var problem = Assert.Single(Problems("""{ "volume": "vg0/data0", "step": "1G", "step": "2G" }"""));

        Assert.StartsWith("duplicate key \"step\"", problem.Message);
    }

    [Fact]
    public void Reads_a_file_with_a_byte_order_mark()
    {
        var path = folder.Combine("bom.json");
        File.WriteAllText(path, """{ "volume": "vg0/data0" }""", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal("vg0/data0", PolicyLoader.Load(path).Volume);
    }

    [Fact]
    public void A_missing_file_is_reported_with_the_command_line_problems()
    {
        var path = folder.Combine("nope.json");

        var problems = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path, Options(("--step", "x")))).Problems;

        Assert.Equal([$"{path}: policy file not found: {path}", "command line: --step: \"x\" is not a size; expected bytes or a number with K, M, G, T or P (powers of 1024, as LVM reads them): \"500M\", \"1.5G\", \"2GiB\", 524288000"],
            problems.Select(p => p.ToString()));
    }

    [Fact]
    public void A_folder_is_not_a_policy_file()
    {
        var problem = Assert.Single(Assert.Throws<PolicyException>(() => PolicyLoader.Load(folder.Path)).Problems);

        Assert.Equal($"{folder.Path} is a folder; pass the policy file itself", problem.Message);
    }

    [Fact]
    public void Lists_every_option_with_its_key_and_command_line_name()
    {
        Assert.Equal(19, PolicyLoader.Options.Length);
        Assert.Contains(new PolicyOptionName("volume", "--lv"), PolicyLoader.Options);
        Assert.Contains(new PolicyOptionName("usedPercentThreshold", "--used-percent-threshold"), PolicyLoader.Options);
        Assert.All(PolicyLoader.Options, o => Assert.StartsWith("--", o.CommandLine));
    }
}
