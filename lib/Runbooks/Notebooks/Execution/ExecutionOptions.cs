namespace Runbooks.Notebooks.Execution;

/// <summary>How a notebook is executed. Immutable: derive variants with <c>with</c>.</summary>
public sealed record ExecutionOptions
{
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultNotebookTimeout = TimeSpan.FromMinutes(30);

    /// <summary>How long one cell may run before the kernel is stopped.</summary>
    public TimeSpan CellTimeout { get; init; } = DefaultCellTimeout;

    /// <summary>How long the whole notebook may run.</summary>
    public TimeSpan NotebookTimeout { get; init; } = DefaultNotebookTimeout;

    /// <summary>Run the cells after a failed one (the kernel keeps its state). Not after a timeout: that kernel is gone.</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>Cells of kernels this engine cannot run (pwsh, fsharp, …) are skipped and reported instead of failing the run.</summary>
    public bool SkipUnsupportedKernels { get; init; }

    public KernelLauncher? Launcher { get; init; }

    /// <summary>Applied to every text that leaves a cell (outputs, errors, sources) before anyone sees it.</summary>
    public Func<string, string> Redact { get; init; } = Redaction.Redactor.Default.Redact;

    public IExecutionObserver? Observer { get; init; }

    /// <summary>Asked before each cell (markdown too, where only Stop counts); <c>runbook step</c> asks a person here.</summary>
    public Func<int, int, NotebookCell, CellDecision>? Gate { get; init; }
}

public enum CellDecision
{
    Run,
    Skip,
    Stop,
}

/// <summary>Told about each cell as it starts and ends, e.g. to show progress on a terminal.</summary>
public interface IExecutionObserver
{
    void CellStarted(int number, int total, NotebookCell cell);

    void CellFinished(CellResult result);
}
