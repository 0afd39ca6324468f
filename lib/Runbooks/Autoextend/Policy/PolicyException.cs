using System.Collections.Immutable;

namespace Runbooks.Autoextend.Policy;

/// <summary>
/// A policy could not be loaded or is invalid. Carries every problem found in one pass, so a user fixes the file
/// and the command line once rather than once per error; the message lists them one per line.
/// </summary>
public sealed class PolicyException : Exception
{
    public PolicyException(IEnumerable<PolicyProblem> problems)
        : this(problems.ToImmutableArray())
    {
    }

    private PolicyException(ImmutableArray<PolicyProblem> problems)
        : base(problems.IsEmpty
            ? throw new ArgumentException("A policy error needs at least one problem.", nameof(problems))
            : string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public ImmutableArray<PolicyProblem> Problems { get; }
}
