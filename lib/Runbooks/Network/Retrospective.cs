using System.Text;
using Runbooks.Checks;
using Runbooks.Network.Checks;

namespace Runbooks.Network;

/// <summary>The closing list of a network runbook: every finding before the fixes, and the steps that changed something.</summary>
public static class Retrospective
{
    public static string Markdown(NetworkDiagnosis before, NetworkFixOutcome applied)
    {
        var text = new StringBuilder();
        text.Append("### What was broken\n\n");
        var n = 0;
        foreach (var finding in before.Findings)
        {
            text.Append($"{++n}. **{finding.Host}: {finding.Title}** ({finding.Severity.ToString().ToLowerInvariant()}, `{finding.Check}`)  \n");
            text.Append($"   Evidence: {string.Join("; ", finding.Evidence.Select(e => $"`{e.Replace('`', '\'')}`"))}  \n");
            text.Append($"   Fix: {finding.Fix}\n");
        }
        text.Append("\n### What was changed\n\n");
        foreach (var step in applied.Steps.Where(s => s.Status == StepStatus.Changed))
            text.Append($"- **{step.Host}**: {step.Title} — because: {step.Why}\n");
        var left = applied.After.Findings;
        text.Append(left.IsEmpty ? "\nNothing is left to fix.\n" : $"\n### Still open\n\n{string.Join('\n', left.Select(f => $"- {f.Host}: {f.Title}"))}\n");
        return text.ToString();
    }
}
