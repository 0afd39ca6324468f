using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Network.Checks;
using Runbooks.Network.Fixes;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Fixes;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Checks;

/// <summary>
/// What a fix leaves open, and why: each error finding traced to the step meant to clear it (from the plans over the
/// real broken twins), so a fix that did not take is never reported as done.
/// </summary>
public class OpenFindingTests
{
    private static Finding Error(string host, string check) =>
        new(check, Severity.Error, host, $"{check} on {host}", "why", ["evidence"], "fix");

    private static StepResult Step(string id, string host, StepStatus status, string? error = null, params string[] clears) =>
        new(id, host, id, "why", status, [], error, TimeSpan.Zero) { Clears = [.. clears] };

    [Fact]
    public void Every_error_finding_of_the_broken_network_twin_is_cleared_by_a_planned_step_except_those_with_no_remedy()
    {
        var state = new TunnelState(NetworkFixtures.Snapshot("twin-broken/server.txt"), NetworkFixtures.Snapshot("twin-broken/client.txt"));
        var diagnosis = TunnelChecks.Run(state);
        var plan = NetworkFixPlanner.Plan(diagnosis, state);
        var planned = plan.Select(s => new StepResult(s.Id, s.Host, s.Title, s.Why, StepStatus.WouldChange, [], null, TimeSpan.Zero) { Clears = s.Clears }).ToList();

        Assert.Empty(OpenFinding.Of(diagnosis.Findings, planned, checkMode: true));
        // The client's config rewrite clears the addressing findings it edits, and only the client's.
        var rewrite = plan.Single(s => s.Id == "client-rewrite-wg0-conf");
        Assert.Contains("client/tunnel-subnet-mismatch", rewrite.Clears);
        Assert.Contains("client/initiator-endpoint-missing", rewrite.Clears);
        Assert.DoesNotContain(rewrite.Clears, k => k.StartsWith("server/", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_error_finding_of_the_broken_storage_twin_is_cleared_by_a_planned_step()
    {
        var broken = StorageFixtures.Snapshot("twin-broken/storage.txt");
        var findings = StorageChecks.Run(broken);
        var planned = StorageFixPlanner.Plan(broken).Select(s => new StepResult(s.Id, s.Host, s.Title, s.Why, StepStatus.WouldChange, [], null, TimeSpan.Zero) { Clears = s.Clears }).ToList();

        Assert.Empty(OpenFinding.Of(findings, planned, checkMode: true));
        Assert.Contains(planned, s => s.Id == "extend-lv" && s.Clears.Any(k => k.EndsWith("/lv-too-small", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_finding_no_step_would_clear_is_open_in_check_mode_with_no_fix_known()
    {
        var open = OpenFinding.Of([Error("server", "service-not-listening-on-tunnel")], [Step("server-sysctl", "server", StepStatus.WouldChange, null, "server/icmp-echo-ignored")], checkMode: true);

        Assert.Equal(OpenFinding.NoFixKnown, Assert.Single(open).Reason);
    }

    [Fact]
    public void A_finding_left_after_its_step_changed_something_names_the_step()
    {
        var open = OpenFinding.Of([Error("client", "wireguard-udp-dropped")],
            [Step("client-delete-rule", "client", StepStatus.Changed, null, "client/wireguard-udp-dropped")], checkMode: false);

        Assert.Equal("step client-delete-rule ran but the check still fails", Assert.Single(open).Reason);
    }

    [Fact]
    public void A_failed_step_is_the_reason_before_any_other_and_a_step_on_the_other_machine_is_not()
    {
        var steps = new[]
        {
            Step("server-delete-rule", "server", StepStatus.Changed, null, "server/wireguard-udp-dropped"),
            Step("client-delete-rule", "client", StepStatus.Changed, null, "client/wireguard-udp-dropped"),
            Step("client-restart-wg0", "client", StepStatus.Failed, "wg-quick up wg0 exited 1", "client/wireguard-udp-dropped"),
        };

        var open = OpenFinding.Of([Error("client", "wireguard-udp-dropped"), Error("both", "tunnel-intent-unknown")], steps, checkMode: false);

        Assert.Equal(["step client-restart-wg0 failed: wg-quick up wg0 exited 1", OpenFinding.NoFixKnown], open.Select(o => o.Reason));
    }

    [Fact]
    public void Warnings_are_never_open_and_a_clean_diagnosis_leaves_nothing()
    {
        var warning = Error("server", "tunnel-mtu-mismatch") with { Severity = Severity.Warning };

        Assert.Empty(OpenFinding.Of([warning], [], checkMode: false));
        Assert.Empty(OpenFinding.Of(ImmutableArray<Finding>.Empty, [], checkMode: false));
    }

    [Fact]
    public void The_notebooks_error_names_each_failed_step_and_open_finding()
    {
        var steps = new[] { Step("server-restart-wg0", "server", StepStatus.Failed, "timed out") };
        var open = OpenFinding.Of([Error("server", "wg-interface-down")], steps, checkMode: false);

        var message = OpenFinding.NotFixed(steps, open);

        Assert.StartsWith("not fixed: 1 finding(s) still open", message, StringComparison.Ordinal);
        Assert.Contains("- step server-restart-wg0 failed: timed out", message, StringComparison.Ordinal);
        Assert.Contains("- server/wg-interface-down: wg-interface-down on server (no fix known for this finding)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_probe_points_at_the_open_findings_or_says_nothing_explains_it()
    {
        var probe = Error("client", "probe-ping");

        Assert.Equal("the probe still fails after the fixes, and no check explains why", Assert.Single(OpenFinding.WithFailedProbes([], [probe])).Reason);
        var both = OpenFinding.WithFailedProbes([new OpenFinding(Error("server", "wg-interface-down"), OpenFinding.NoFixKnown)], [probe]);
        Assert.Equal("the probe still fails; the open findings above are the likely cause", both[1].Reason);
        Assert.Empty(OpenFinding.WithFailedProbes([], []));
    }
}
