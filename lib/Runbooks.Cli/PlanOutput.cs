using System.Globalization;
using Runbooks.Checks;

namespace Runbooks.Cli;

/// <summary>How every command that runs a plan (fix network, fix storage, autoextend install) shows its steps.</summary>
internal static class PlanOutput
{
    /// <summary>One line per step as it ends, Ansible-like; in check mode with the commands it would run (and a file edit's diff).</summary>
    internal static void Print(StepResult step)
    {
        var status = step.Status switch { StepStatus.WouldChange => "would change", StepStatus.Ok => "ok", _ => step.Status.ToString().ToLowerInvariant() };
        Console.WriteLine($"{status,-12} {step.Host,-6} {step.Title}");
        if (step.Status == StepStatus.WouldChange)
        {
            foreach (var command in step.Commands)
                Console.WriteLine($"               $ {command}");
            foreach (var line in (step.Diff ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Console.WriteLine($"               {line}");
        }
        if (step.Error is { } error)
            Console.WriteLine($"               {error}");
    }

    /// <summary>The summary line of a fix: how many steps changed (or would) and failed.</summary>
    internal static string Summary(bool check, int changed, int failed) =>
        string.Create(CultureInfo.InvariantCulture, $"{(check ? "check mode: " : "")}{changed} {(check ? "would change" : "changed")}, {failed} failed");

    /// <summary>
    /// What a fix leaves open, after its summary: each finding with why no step cleared it (or, in check mode, why no
    /// step would). Nothing when all is clear, so a quiet fix is a finished one.
    /// </summary>
    internal static void PrintOpen(bool check, IReadOnlyCollection<OpenFinding> open)
    {
        if (open.Count == 0)
            return;
        Console.WriteLine(check
            ? $"{open.Count} error finding(s) no step would clear: fixing would leave the machine broken"
            : $"NOT FIXED: {open.Count} finding(s) still open");
        foreach (var o in open)
        {
            Console.WriteLine($"- {o.Finding.Host,-6} {o.Finding.Check}: {o.Finding.Title}");
            Console.WriteLine($"    why open: {o.Reason}");
            foreach (var line in o.Finding.Evidence)
                Console.WriteLine($"      {line}");
        }
    }

    /// <summary>The JSON of an open finding in `fix --json`: the finding's fields and the reason.</summary>
    internal static object OpenJson(OpenFinding o) =>
        new { o.Finding.Check, o.Finding.Severity, o.Finding.Host, o.Finding.Title, o.Reason, o.Finding.Evidence, o.Finding.Fix };

    /// <summary>The JSON of a step in `fix --json` and `autoextend install --json`.</summary>
    internal static object StepJson(StepResult s) =>
        new { s.Id, s.Host, s.Title, s.Why, s.Status, s.Commands, s.Error, durationMs = Math.Round(s.Duration.TotalMilliseconds, 1) };
}
