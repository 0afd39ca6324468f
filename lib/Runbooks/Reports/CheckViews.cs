using System.Globalization;
using Runbooks.Checks;

namespace Runbooks.Reports;

/// <summary>Findings and fix steps as HTML tables, for any runbook's executed notebook.</summary>
public static class CheckViews
{
    public static string Findings(IEnumerable<Finding> findings) => HtmlTable.Render(
        ["#", "severity", "machine", "check", "what is wrong", "evidence", "fix"],
        findings.Select((f, i) => Row((i + 1).ToString(CultureInfo.InvariantCulture), f.Severity.ToString().ToUpperInvariant(), f.Host, f.Check, $"{f.Title}\n\n{f.Explanation}", string.Join("\n", f.Evidence), f.Fix)));

    public static string Steps(IEnumerable<StepResult> steps) => HtmlTable.Render(
        ["step", "machine", "status", "what", "why", "commands", "took"],
        steps.Select(s => Row(s.Id, s.Host, s.Status switch { StepStatus.WouldChange => "would change", _ => s.Status.ToString().ToLowerInvariant() } + (s.Error is null ? "" : $"\n{s.Error}"),
            s.Title, s.Why, string.Join("\n", s.Commands.Select(c => $"$ {c}")), $"{s.Duration.TotalMilliseconds:0} ms")));

    /// <summary>What a fix left open, each finding with why no step cleared it; a line saying so when nothing is.</summary>
    public static string Open(IReadOnlyCollection<OpenFinding> open) => open.Count == 0
        ? "<p>Nothing is left open: no error finding, and the probes got the wanted answers.</p>"
        : HtmlTable.Render(["#", "machine", "check", "what is wrong", "why it is still open", "evidence"],
            open.Select((o, i) => Row((i + 1).ToString(CultureInfo.InvariantCulture), o.Finding.Host, o.Finding.Check, o.Finding.Title, o.Reason, string.Join("\n", o.Finding.Evidence))),
            $"NOT FIXED: {open.Count} finding(s) still open");

    /// <summary>The closing list of a runbook: every finding before the fixes, the steps that changed something, and what is left.</summary>
    public static string Retrospective(IEnumerable<Finding> before, IEnumerable<StepResult> steps, IEnumerable<Finding> after)
    {
        var text = new System.Text.StringBuilder();
        text.Append("### What was broken\n\n");
        var n = 0;
        foreach (var finding in before)
        {
            text.Append(CultureInfo.InvariantCulture, $"{++n}. **{finding.Host}: {finding.Title}** ({finding.Severity.ToString().ToLowerInvariant()}, `{finding.Check}`)  \n");
            text.Append(CultureInfo.InvariantCulture, $"   Evidence: {string.Join("; ", finding.Evidence.Select(e => $"`{e.Replace('`', '\'')}`"))}  \n");
            text.Append(CultureInfo.InvariantCulture, $"   Fix: {finding.Fix}\n");
        }
        text.Append("\n### What was changed\n\n");
        foreach (var step in steps.Where(s => s.Status == StepStatus.Changed))
            text.Append(CultureInfo.InvariantCulture, $"- **{step.Host}**: {step.Title} — because: {step.Why}\n");
        var left = after.ToList();
        text.Append(left.Count == 0 ? "\nNothing is left to fix.\n" : $"\n### Still open\n\n{string.Join('\n', left.Select(f => $"- {f.Host}: {f.Title}"))}\n");
        return text.ToString();
    }

    private static string?[] Row(params string?[] cells) => cells;
}
