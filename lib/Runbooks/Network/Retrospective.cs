using Runbooks.Network.Checks;
using Runbooks.Reports;

namespace Runbooks.Network;

/// <summary>The closing list of a network runbook: every finding before the fixes, and the steps that changed something.</summary>
public static class Retrospective
{
    public static string Markdown(NetworkDiagnosis before, NetworkFixOutcome applied) =>
        CheckViews.Retrospective(before.Findings, applied.Steps, applied.After.Findings);
}
