using System.Text.Json;
using Runbooks.Autoextend.Policy;

namespace Runbooks.Tests.Autoextend.Policy;

/// <summary><see cref="PolicyLoader.ToJson"/>: what the installer writes to a machine reads back as the same policy.</summary>
public sealed class PolicyJsonTests
{
    private const string Source = "/etc/runbook/x.json";

    private static readonly AutoextendPolicy Default = new() { Volume = "vg0/data0" };

    /// <summary>Every option away from its default, durations that are not whole seconds among them.</summary>
    private static readonly AutoextendPolicy Changed = new()
    {
        Volume = "vg1/lv_logs",
        UsedPercentThreshold = 85.5,
        MinimumFreeBytes = 3L << 30,
        InodesUsedPercentThreshold = 95.25,
        Step = 256L << 20,
        MaximumVolumeSize = 100L << 30,
        Cooldown = TimeSpan.FromSeconds(1.5),
        SampleInterval = TimeSpan.FromMilliseconds(250),
        RateWindow = TimeSpan.FromSeconds(7.5),
        TimeToFullSafetyFactor = 3.25,
        WhenGroupFull = WhenGroupFull.Alert,
        ImageDirectory = "/srv/images",
        DiskSize = 1L << 30,
        MaximumDisks = 12,
        ImageFilesystemFloor = (512L << 20) + 1,
        GrowDurationEstimate = TimeSpan.FromSeconds(2.5),
        AlertRepeatInterval = TimeSpan.FromSeconds(90.5),
        HistoryPath = "/var/lib/runbook/autoextend/vg1-lv_logs.csv",
        MetricsPath = "/var/lib/runbook/autoextend/vg1-lv_logs.prom",
    };

    private static JsonElement Root(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void The_changed_policy_is_valid_and_differs_from_the_default_in_every_option()
    {
        Changed.Validate();
        var changed = Root(PolicyLoader.ToJson(Changed));
        var defaults = Root(PolicyLoader.ToJson(Default with { Volume = "vg0/data0" }));

        foreach (var option in PolicyLoader.Options)
        {
            Assert.True(changed.TryGetProperty(option.Key, out var value), $"{option.Key} is not in the JSON");
            if (defaults.TryGetProperty(option.Key, out var original))
                Assert.False(JsonElement.DeepEquals(value, original), $"{option.Key} has its default value");
        }
    }

    [Fact]
    public void The_default_policy_reads_back_as_itself()
    {
        var json = PolicyLoader.ToJson(Default);

        Assert.Equal(Default, PolicyLoader.Parse(json, Source));
    }

    [Fact]
    public void A_policy_with_every_option_changed_reads_back_as_itself()
    {
        var json = PolicyLoader.ToJson(Changed);

        Assert.Equal(Changed, PolicyLoader.Parse(json, Source));
    }

    [Theory]
    [InlineData(410)]
    [InlineData(1130)]
    [InlineData(4270)]
    public void A_duration_of_whole_milliseconds_reads_back_exactly(int milliseconds)
    {
        var duration = TimeSpan.FromMilliseconds(milliseconds);
        var policy = Default with { Cooldown = duration, GrowDurationEstimate = duration };
        policy.Validate();

        var back = PolicyLoader.Parse(PolicyLoader.ToJson(policy), Source);

        Assert.Equal(duration, back.Cooldown);
        Assert.Equal(duration, back.GrowDurationEstimate);
    }

    [Theory]
    [InlineData(410)]
    [InlineData(1130)]
    [InlineData(4270)]
    public void The_config_files_own_duration_form_holds_those_durations_exactly(int milliseconds)
    {
        var policy = PolicyLoader.Parse($$"""{ "volume": "vg0/data0", "cooldown": "{{milliseconds}}ms" }""", Source);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), policy.Cooldown);
    }

    [Theory]
    [InlineData("minimumFreeBytes")]
    [InlineData("maximumVolumeSize")]
    [InlineData("historyPath")]
    [InlineData("metricsPath")]
    public void An_unset_optional_value_is_left_out(string key)
    {
        var json = Root(PolicyLoader.ToJson(Default));

        Assert.False(json.TryGetProperty(key, out _), $"{key} is in {json}");
    }

    [Fact]
    public void Sizes_are_bytes_durations_whole_seconds_or_milliseconds_and_the_action_its_json_word()
    {
        var json = Root(PolicyLoader.ToJson(Changed));

        Assert.Equal("vg1/lv_logs", json.GetProperty("volume").GetString());
        Assert.Equal((512L << 20) + 1, json.GetProperty("imageFilesystemFloor").GetInt64());
        Assert.Equal("1500ms", json.GetProperty("cooldown").GetString());
        Assert.Equal(5, Root(PolicyLoader.ToJson(Default)).GetProperty("cooldown").GetInt64());
        Assert.Equal("alert", json.GetProperty("whenGroupFull").GetString());
        Assert.Equal("addDisk", Root(PolicyLoader.ToJson(Default)).GetProperty("whenGroupFull").GetString());
    }

    [Fact]
    public void The_json_ends_with_a_newline()
    {
        Assert.EndsWith("}\n", PolicyLoader.ToJson(Default), StringComparison.Ordinal);
        Assert.EndsWith("}\n", PolicyLoader.ToJson(Changed), StringComparison.Ordinal);
    }
}
