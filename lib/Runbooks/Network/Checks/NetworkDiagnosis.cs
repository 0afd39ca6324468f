using System.Collections.Immutable;
using Runbooks.Checks;

namespace Runbooks.Network.Checks;

/// <summary>A finding and what would fix it (empty when only a person can: a missing config, a stopped service).</summary>
public sealed record DiagnosedFinding(Finding Finding, ImmutableArray<Remedy> Remedies);

/// <summary>Everything <see cref="TunnelChecks"/> found, with the intent it measured against (null if none could be worked out).</summary>
public sealed record NetworkDiagnosis(TunnelIntent? Intent, ImmutableArray<DiagnosedFinding> Items)
{
    public ImmutableArray<Finding> Findings => [.. Items.Select(i => i.Finding)];

    public bool Healthy => Items.All(i => i.Finding.Severity == Severity.Info);
}
