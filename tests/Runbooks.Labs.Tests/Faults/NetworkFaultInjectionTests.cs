using System.Diagnostics;
using Xunit.Abstractions;
using Runbooks.Labs.Network;
using Runbooks.Labs.Tests.Cli;
using Runbooks.Labs.Tests.Network;
using Runbooks.Network;

namespace Runbooks.Labs.Tests.Faults;

/// <summary>
/// The network runbook against faults nobody listed for it: for each, a twin built and repaired, broken again in
/// that one way, then diagnosed and fixed as a user would (`runbook fix network --json`), and judged by the
/// challenge's own test. A fix may leave a fault open, but must say so: exit 1 naming it, never "done".
/// </summary>
[Collection(NetworkLabCollection.Name)]
public sealed class NetworkFaultInjectionTests(NetworkLabFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-faults-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public Task Each_injected_fault_is_named_and_fixed_or_left_open_honestly() =>
        FaultSuite.RunAsync("network", NetworkFaults.All, InjectAsync, output);

    private async Task<FaultOutcome> InjectAsync(InjectedFault fault)
    {
        var stopwatch = Stopwatch.StartNew();
        fixture.Changed();
        var lab = await fixture.Lab.UpAsync();
        var targets = NetworkTargets.Create(lab.Server.Address6pn, lab.Client.Address6pn, identityFile: lab.IdentityFile,
            knownHostsFile: lab.KnownHostsFile, hostKeyPolicy: "accept-new");
        await using var session = await TunnelSession.ConnectAsync(targets);
        var repaired = await session.FixAsync(checkMode: false);
        Assert.True(repaired.Succeeded, $"{fault.Id}: the planted faults were not repaired first: {Runbooks.Checks.OpenFinding.NotFixed(repaired.Steps, repaired.Open)}");

        foreach (var command in fault.Inject)
        {
            var injected = await fixture.Lab.ExecAsync(command.Machine, command.CommandLine, TimeSpan.FromSeconds(30));
            Assert.True(injected.ExitCode == 0, $"{fault.Id}: injecting on the {command.Machine} failed (exit {injected.ExitCode}): {command.CommandLine}\n{injected.StandardError}");
        }

        var (_, diagnosis, _) = await session.DiagnoseAsync();
        var named = diagnosis.Findings.Any(f => fault.NamedBy.Contains(f.Check) && !f.Evidence.IsEmpty);
        var fix = RunbookProgram.Run(TimeSpan.FromMinutes(3), "--config", NetworkRepairTests.Catalogue(_folder, lab), "fix", "network", "--profile", "twin", "--json");
        var test = await session.RunTestConnectionAsync();
        return new FaultOutcome(fault, named, [.. diagnosis.Findings.Select(f => f.Check).Distinct()], fix.ExitCode, FaultSuite.OpenOf(fix.Stdout),
            test.ExitCode == 0, stopwatch.Elapsed);
    }
}
