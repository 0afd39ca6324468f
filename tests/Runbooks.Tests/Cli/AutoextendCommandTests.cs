namespace Runbooks.Tests.Cli;

/// <summary>`runbook autoextend`'s refusals before it touches anything: every bad policy value at once, exit 2.</summary>
public class AutoextendCommandTests
{
    [Fact]
    public void Bad_values_are_all_named_at_once_and_nothing_runs()
    {
        using var folder = new TempFolder();

        var outcome = Runbook.Run(folder.Path, "autoextend", "--lv", "vg0//data0", "--used-percent-threshold", "150", "--step", "500MB", "--once");

        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains("vg0//data0", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("150", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("500MB", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_file_with_a_typo_gets_a_suggestion()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.Combine("policy.json"), """{ "volume": "vg0/data0", "usedPercentThreshhold": 85 }""");

        var outcome = Runbook.Run(folder.Path, "autoextend", "--policy", "policy.json", "--once");

        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains("policy.json", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("usedPercentThreshold", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_that_is_not_here_is_refused_by_name()
    {
        using var folder = new TempFolder();

        var outcome = Runbook.Run(folder.Path, "autoextend", "--lv", "novg/nolv", "--once", "--lock-dir", folder.Path);

        Assert.True(outcome.ExitCode == 3, outcome.Output);
        Assert.Contains("novg", outcome.Stderr, StringComparison.Ordinal);
    }
}
