using System.Collections.Immutable;

namespace Runbooks.Notebooks.Execution;

/// <summary>How one cell went. <see cref="Number"/> is its 1-based position in the executed notebook.</summary>
public sealed record CellResult(int Number, CellKind Kind, string Language, string FirstLine, CellStatus Status, TimeSpan Duration, string? Error, int? ErrorLine, bool FailureExpected, ImmutableArray<CellOutput> Outputs)
{
    /// <summary>A failure that counts against the run: not in a cell tagged <c>raises-exception</c>.</summary>
    public bool IsFailure => Status is CellStatus.Failed or CellStatus.TimedOut && !FailureExpected;
}

public sealed record NotebookRunResult(Notebook Executed, ImmutableArray<CellResult> Cells, TimeSpan Duration)
{
    public bool Succeeded => !Cells.Any(c => c.IsFailure);

    public CellResult? FirstFailure => Cells.FirstOrDefault(c => c.IsFailure);
}
