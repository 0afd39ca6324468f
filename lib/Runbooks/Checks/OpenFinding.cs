using System.Collections.Immutable;

namespace Runbooks.Checks;

/// <summary>
/// An error finding a fix leaves in place, with why no step cleared it. A fix that leaves one is not done: the
/// CLI exits 1 and the notebook stops, naming each, so nobody reads "0 changed" as "healthy".
/// </summary>
/// <param name="Reason">"no fix known for this finding", "step X ran but the check still fails", …</param>
public sealed record OpenFinding(Finding Finding, string Reason)
{
    public const string NoFixKnown = "no fix known for this finding";

    /// <summary>
    /// The error findings of <paramref name="remaining"/> (the diagnosis on state captured after the last step),
    /// each with the step that was meant to clear it and how that step ended. In check mode only the findings no
    /// step would touch are open: the others may still be cleared when the plan runs.
    /// </summary>
    public static ImmutableArray<OpenFinding> Of(IEnumerable<Finding> remaining, IReadOnlyList<StepResult> steps, bool checkMode)
    {
        var open = ImmutableArray.CreateBuilder<OpenFinding>();
        foreach (var finding in remaining.Where(f => f.Severity == Severity.Error))
        {
            var meant = steps.Where(s => Clears(s, finding)).ToList();
            if (checkMode && meant.Count > 0)
                continue;
            open.Add(new OpenFinding(finding, meant.Count == 0 ? NoFixKnown : WhyStillOpen(meant)));
        }
        return open.ToImmutable();
    }

    /// <summary>
    /// <paramref name="open"/> with each probe that still fails after the fixes added: a probe is a symptom, so its
    /// reason points at the open findings when there are any, and says plainly when no check explains it.
    /// </summary>
    public static ImmutableArray<OpenFinding> WithFailedProbes(ImmutableArray<OpenFinding> open, IEnumerable<Finding> failedProbes) =>
        open.AddRange(failedProbes.Select(probe => new OpenFinding(probe, open.IsEmpty
            ? "the probe still fails after the fixes, and no check explains why"
            : "the probe still fails; the open findings above are the likely cause")));

    /// <summary>
    /// The error a notebook stops with when a fix is not done: each failed step and each open finding with its reason,
    /// one a line.
    /// </summary>
    public static string NotFixed(IEnumerable<StepResult> steps, IReadOnlyCollection<OpenFinding> open)
    {
        var failed = steps.Where(s => s.Status == StepStatus.Failed).Select(s => $"- step {s.Id} failed: {s.Error}");
        var left = open.Select(o => $"- {o.Finding.Host}/{o.Finding.Check}: {o.Finding.Title} ({o.Reason})");
        return $"not fixed: {open.Count} finding(s) still open\n" + string.Join("\n", failed.Concat(left));
    }

    /// <summary>How <see cref="FixStep{TState}.Clears"/> names a finding: "host/check" (a check runs on every machine).</summary>
    public static string Key(Finding finding) => $"{finding.Host}/{finding.Check}";

    private static bool Clears(StepResult step, Finding finding) => step.Clears.Contains(Key(finding));

    // The step that says most: a failure, then a skip, then a change that did not clear it, then "nothing to do".
    private static string WhyStillOpen(IReadOnlyList<StepResult> steps)
    {
        if (steps.FirstOrDefault(s => s.Status == StepStatus.Failed) is { } failed)
            return $"step {failed.Id} failed: {failed.Error}";
        if (steps.FirstOrDefault(s => s.Status == StepStatus.Skipped) is { } skipped)
            return $"step {skipped.Id} was not run: {skipped.Error}";
        if (steps.FirstOrDefault(s => s.Status == StepStatus.Changed) is { } changed)
            return $"step {changed.Id} ran but the check still fails";
        return $"step {steps[0].Id} found nothing to do, but the check still fails";
    }
}
