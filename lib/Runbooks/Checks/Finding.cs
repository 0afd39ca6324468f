using System.Collections.Immutable;

namespace Runbooks.Checks;

/// <summary>How bad a finding is for the goal the runbook checks.</summary>
public enum Severity
{
    /// <summary>Worth knowing; does not stop the goal.</summary>
    Info,
    /// <summary>Does not break the goal today, but will (after a restart, a roam, a bigger packet) or hides a later fault.</summary>
    Warning,
    /// <summary>Breaks the goal now.</summary>
    Error,
}

/// <summary>
/// Something a check found wrong, with the lines of captured state that show it and what fixes it. Findings
/// come from invariants over captured state, so one planted fault may show as several findings and a fault
/// nobody listed still shows.
/// </summary>
/// <param name="Check">The invariant that failed, kebab-case and stable (tools and CI read it), e.g. <c>tunnel-address-not-allowed</c>.</param>
/// <param name="Host">The machine it is on, as the runbook names it (server, client).</param>
/// <param name="Title">One line: what is wrong.</param>
/// <param name="Explanation">Why it matters: what breaks and how it showed.</param>
/// <param name="Evidence">The state that shows it: config lines, rules, routes, sysctls, probe output.</param>
/// <param name="Fix">One line: what the fix does (the commands are in the plan).</param>
public sealed record Finding(
    string Check,
    Severity Severity,
    string Host,
    string Title,
    string Explanation,
    ImmutableArray<string> Evidence,
    string Fix);
