using System.Collections.Immutable;

namespace Runbooks.Labs.Tests.Faults;

/// <summary>One command run on one machine of a twin to break it.</summary>
public sealed record FaultCommand(string Machine, string CommandLine);

/// <summary>
/// One way a repaired twin breaks again, as in real fleets: what is run to break it, and the checks a good diagnosis
/// names it by (any one of them is enough: a fault may show through more than one invariant). Not a list the runbook
/// knows: the runbook's checks are invariants, and this catalogue is how the suite measures how far they reach.
/// </summary>
/// <param name="Id">Stable and kebab-case: the row of the suite's table.</param>
/// <param name="What">One line: what breaks, as an on-call engineer would say it.</param>
/// <param name="Inject">Run in order on the repaired twin.</param>
/// <param name="NamedBy">Finding checks that name the root cause (not the probes' symptoms).</param>
/// <param name="Fast">In the subset CI runs on every landing.</param>
public sealed record InjectedFault(string Id, string What, ImmutableArray<FaultCommand> Inject, ImmutableArray<string> NamedBy, bool Fast = false)
{
    public override string ToString() => Id;
}

/// <summary>How the runbook fared on one injected fault: each column of the suite's table.</summary>
/// <param name="Named">A finding with one of the fault's checks, with evidence, before any fix.</param>
/// <param name="ExitCode">`runbook fix … --json`'s exit code.</param>
/// <param name="Open">The open findings the fix reported, as host/check.</param>
/// <param name="TestPassed">The challenge's own test after the fix.</param>
public sealed record FaultOutcome(InjectedFault Fault, bool Named, ImmutableArray<string> FoundChecks, int ExitCode, ImmutableArray<string> Open, bool TestPassed, TimeSpan Took)
{
    /// <summary>Repaired: the fix said done and the challenge's test agrees.</summary>
    public bool Fixed => ExitCode == 0 && TestPassed;

    /// <summary>Not repaired, and said so: exit 1 with at least one open finding.</summary>
    public bool HonestlyOpen => ExitCode == 1 && !Open.IsEmpty;

    /// <summary>The one outcome never allowed: "done" while the challenge's test fails.</summary>
    public bool FalseDone => ExitCode == 0 && !TestPassed;
}
