using Runbooks.Checks;
using Runbooks.Hosts;

namespace Runbooks.Tests.Checks;

/// <summary>The plan runner over real commands on this machine; the "state" is which files exist in a folder.</summary>
public sealed class PlanRunnerTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly LocalHost _host = new();

    private string Folder => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string File(string name) => _temp.Combine(name);

    private Task<IReadOnlySet<string>> CaptureAsync(CancellationToken _) =>
        Task.FromResult<IReadOnlySet<string>>(Directory.EnumerateFiles(Folder).Select(Path.GetFileName).OfType<string>().ToHashSet());

    private FixStep<IReadOnlySet<string>> Create(string name, string? command = null) =>
        new($"create-{name}", "here", $"Create {name}", "it must exist",
            s => !s.Contains(name), [HostCommand.Shell(command ?? $"touch {File(name)}")], s => s.Contains(name), $"{name} exists");

    private async Task<FixReport> RunAsync(bool check, params FixStep<IReadOnlySet<string>>[] steps) =>
        (await PlanRunner.RunAsync(steps, new Dictionary<string, IHost> { ["here"] = _host }, await CaptureAsync(default), CaptureAsync, check)).Report;

    [Fact]
    public async Task Check_mode_runs_nothing_and_says_what_would_change()
    {
        var report = await RunAsync(check: true, Create("a"), Create("b"));

        Assert.Equal([StepStatus.WouldChange, StepStatus.WouldChange], report.Steps.Select(s => s.Status).ToArray());
        Assert.Equal(2, report.Changed);
        Assert.Empty(Directory.EnumerateFiles(Folder));
    }

    [Fact]
    public async Task Apply_changes_then_a_second_run_finds_nothing_to_do()
    {
        var first = await RunAsync(check: false, Create("a"), Create("b"));
        var second = await RunAsync(check: false, Create("a"), Create("b"));

        Assert.Equal([StepStatus.Changed, StepStatus.Changed], first.Steps.Select(s => s.Status).ToArray());
        Assert.Equal([StepStatus.Ok, StepStatus.Ok], second.Steps.Select(s => s.Status).ToArray());
        Assert.Equal(0, second.Changed);
    }

    [Fact]
    public async Task A_failed_command_stops_the_plan_and_says_why()
    {
        var report = await RunAsync(check: false, Create("a", "echo no space left >&2; exit 3"), Create("b"));

        Assert.Equal([StepStatus.Failed, StepStatus.Skipped], report.Steps.Select(s => s.Status).ToArray());
        Assert.Contains("no space left", report.Steps[0].Error, StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(File("b")));
    }

    [Fact]
    public async Task A_command_that_succeeds_without_effect_fails_its_verification()
    {
        var report = await RunAsync(check: false, Create("a", "true"), Create("b"));

        Assert.Equal(StepStatus.Failed, report.Steps[0].Status);
        Assert.Contains("verification did not hold: a exists", report.Steps[0].Error, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Skipped, report.Steps[1].Status);
    }

    [Fact]
    public async Task A_step_for_an_unknown_host_is_refused_before_anything_runs()
    {
        var stray = Create("a") with { Host = "elsewhere" };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(check: false, Create("b"), stray));
        Assert.Contains("\"elsewhere\"", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Folder));
    }
}
