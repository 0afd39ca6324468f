using System.Collections.Immutable;

namespace Runbooks.Catalogue;

/// <summary>
/// A catalogue could not be found or loaded. Carries every problem found in one pass so a user fixes the
/// file once rather than once per error; the message lists them one per line.
/// </summary>
public sealed class CatalogueException : Exception
{
    public CatalogueException(IEnumerable<CatalogueProblem> problems)
        : this(problems.ToImmutableArray())
    {
    }

    private CatalogueException(ImmutableArray<CatalogueProblem> problems)
        : base(problems.IsEmpty
            ? throw new ArgumentException("A catalogue error needs at least one problem.", nameof(problems))
            : string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public ImmutableArray<CatalogueProblem> Problems { get; }
}
