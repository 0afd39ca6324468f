using System.Diagnostics;
using Runbooks.Labs.Storage;
using Runbooks.Labs.Tests.Cli;
using Runbooks.Labs.Tests.Storage;
using Runbooks.Storage;
using Xunit.Abstractions;

namespace Runbooks.Labs.Tests.Faults;

/// <summary>
/// The storage runbook against faults nobody listed for it: the guest booted and repaired once, then broken in one
/// way at a time, diagnosed (checks and probes) and fixed as a user would (`runbook fix storage --json`), and judged
/// by the challenge's own `test-storage.sh --no-fill`. A fault the fix leaves open must be said so (exit 1); the
/// guest is booted and repaired again before the next one whenever the last was not fixed.
/// </summary>
[Collection(StorageLabCollection.Name)]
public sealed class StorageFaultInjectionTests(StorageLabFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-faults-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private StorageLabState? _repaired;

    [Fact]
    public Task Each_injected_fault_is_named_and_fixed_or_left_open_honestly() =>
        FaultSuite.RunAsync("storage", StorageFaults.All, async fault =>
        {
            _repaired ??= await RepairedTwinAsync(fault);
            var outcome = await InjectAsync(fault, _repaired);
            if (!outcome.Fixed)
            {
                // Left broken: the next fault starts from a guest booted and repaired again.
                fixture.Changed();
                _repaired = null;
            }
            return outcome;
        }, output);

    private async Task<StorageLabState> RepairedTwinAsync(InjectedFault next)
    {
        var lab = await fixture.UpAsync();
        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var repair = await session.FixAsync(checkMode: false);
        Assert.True(repair.Succeeded, $"before {next.Id}: the planted faults were not repaired: {Runbooks.Checks.OpenFinding.NotFixed(repair.Steps, repair.Open)}");
        return lab;
    }

    private async Task<FaultOutcome> InjectAsync(InjectedFault fault, StorageLabState lab)
    {
        var stopwatch = Stopwatch.StartNew();
        foreach (var command in fault.Inject)
        {
            var injected = await fixture.Lab.ExecAsync(command.CommandLine, TimeSpan.FromMinutes(2));
            Assert.True(injected.ExitCode == 0, $"{fault.Id}: injecting failed (exit {injected.ExitCode}): {command.CommandLine}\n{injected.StandardError}");
        }

        await using var session = await StorageSession.ConnectAsync(lab.SshTarget());
        var (_, findings) = await session.DiagnoseAsync();
        var probes = await session.ProbeAsync();
        var seen = findings.Concat(probes).ToList();
        var named = seen.Any(f => fault.NamedBy.Contains(f.Check) && !f.Evidence.IsEmpty);
        var fix = RunbookProgram.Run(TimeSpan.FromMinutes(8), "--config", StorageRepairTests.Catalogue(_folder, lab), "fix", "storage", "--profile", "twin", "--json");
        var test = await session.RunTestStorageAsync("--no-fill");
        return new FaultOutcome(fault, named, [.. seen.Select(f => f.Check).Distinct()], fix.ExitCode, FaultSuite.OpenOf(fix.Stdout),
            test.ExitCode == 0, stopwatch.Elapsed);
    }
}
