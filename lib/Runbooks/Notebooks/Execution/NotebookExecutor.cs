using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Runbooks.Notebooks.Kernel;
using Runbooks.Notebooks.Packages;

namespace Runbooks.Notebooks.Execution;

/// <summary>
/// Executes a notebook's C# cells in order in one kernel process, collecting their outputs into a new
/// notebook. A failed cell stops the run (unless <see cref="ExecutionOptions.ContinueOnError"/>), puts a
/// banner at the top naming it, and leaves the cells after it marked not run.
/// </summary>
public sealed class NotebookExecutor(ExecutionOptions options)
{
    public const string RaisesExceptionTag = "raises-exception";
    public const string ErrorBannerTag = "runbook-error-banner";

    /// <param name="kernelStarting">A kernel started ahead (see <see cref="KernelProcess.StartAsync"/>), so its warm-up
    /// overlapped with the caller's own work; the executor takes it over and disposes it, used or not.</param>
    public async Task<NotebookRunResult> ExecuteAsync(Notebook notebook, string workingDirectory, CancellationToken cancellationToken = default, Task<KernelProcess>? kernelStarting = null)
    {
        var clock = Stopwatch.StartNew();
        var runStarted = DateTimeOffset.UtcNow;
        var kernelStart = TimeSpan.Zero;
        string? kernelFailure = null;
        var notebookDeadline = DateTimeOffset.UtcNow + options.NotebookTimeout;
        var cells = notebook.Cells.Where(c => !c.HasTag(ErrorBannerTag)).ToList();
        var packages = await RestorePackagesAsync(cells, cancellationToken).ConfigureAwait(false);
        var results = new List<CellResult>();
        var executionCount = 0;
        string? stopReason = null;
        KernelProcess? kernel = null;
        try
        {
            for (var i = 0; i < cells.Count; i++)
            {
                var number = i + 1;
                // The kernel runs the source as written; only the copy that leaves the engine is redacted.
                var cell = cells[i];
                var shown = cell with { Source = options.Redact(cell.Source) };
                if (cell.Kind != CellKind.Code)
                {
                    // The gate sees prose too (runbook step shows it); only a Stop counts there.
                    if (stopReason is null && options.Gate?.Invoke(number, cells.Count, shown) == CellDecision.Stop)
                        stopReason = "stopped by the user";
                    cells[i] = shown with { Run = null };
                    continue;
                }
                options.Observer?.CellStarted(number, cells.Count, shown);
                CellOutcome outcome;

                if (kernel is null && stopReason is null && RunsInKernel(cell))
                {
                    // The kernel's start is the notebook's cost, not the first cell's: timed on its own.
                    var startClock = Stopwatch.StartNew();
                    try
                    {
                        var starting = kernelStarting ?? KernelProcess.StartAsync(options.Launcher ?? KernelLauncher.Default(), cancellationToken);
                        kernelStarting = null;
                        kernel = await starting.ConfigureAwait(false);
                        await kernel.InitializeAsync(workingDirectory, packages.Assemblies, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is KernelDiedException or FileNotFoundException or System.ComponentModel.Win32Exception)
                    {
                        stopReason = "the kernel could not start";
                        kernelFailure = $"the C# kernel could not start: {options.Redact(e.Message)}";
                    }
                    kernelStart += startClock.Elapsed;
                }
                var started = DateTimeOffset.UtcNow;
                var cellClock = Stopwatch.StartNew();
                var decision = stopReason is null ? options.Gate?.Invoke(number, cells.Count, shown) ?? CellDecision.Run : CellDecision.Run;
                if (decision == CellDecision.Stop)
                    stopReason = "stopped by the user";
                if (packages.Failure is not null && stopReason is null && NuGetPackage.AnyIn(cell.Source))
                {
                    // As in VS Code: the cell that asks fails; with --continue-on-error the ones after it still run.
                    if (!options.ContinueOnError)
                        stopReason = "its NuGet packages could not be restored";
                    outcome = Failure(number, "PackageRestoreFailed", options.Redact(packages.Failure));
                }
                else if (kernelFailure is not null)
                {
                    outcome = Failure(number, "KernelStartFailed", kernelFailure);
                    kernelFailure = null;
                }
                else if (stopReason is not null)
                    outcome = new CellOutcome(CellStatus.NotRun, [], null, null, $"not run: {stopReason}");
                else if (decision == CellDecision.Skip)
                    outcome = new CellOutcome(CellStatus.Skipped, [], null, null, "skipped by the user");
                else if (!RunsInKernel(cell))
                    outcome = UnsupportedKernel(cell);
                else
                {
                    executionCount++;
                    (outcome, var kernelGone) = await RunCellAsync(kernel!, cells, number, cell, executionCount, notebookDeadline, cancellationToken).ConfigureAwait(false);
                    if (kernelGone)
                    {
                        await kernel!.DisposeAsync().ConfigureAwait(false);
                        kernel = null;
                        stopReason = cancellationToken.IsCancellationRequested ? $"the run was stopped in cell {number} (SIGTERM or Ctrl+C)"
                            : outcome.Status == CellStatus.TimedOut ? $"cell {number} timed out and its kernel was stopped"
                            : $"the kernel died in cell {number}";
                    }
                }

                var failureExpected = cell.HasTag(RaisesExceptionTag);
                if (outcome.Status == CellStatus.Failed && !failureExpected && !options.ContinueOnError)
                    stopReason ??= $"cell {number} failed";

                var duration = outcome.Status == CellStatus.NotRun ? TimeSpan.Zero : cellClock.Elapsed;
                cells[i] = shown with
                {
                    Outputs = [.. outcome.Outputs],
                    ExecutionCount = outcome.ExecutionCount,
                    Run = new CellRunMetadata(started, duration, outcome.Status),
                };
                var result = new CellResult(number, cell.Kind, cell.Language, FirstLine(shown.Source), outcome.Status, duration, outcome.Error, outcome.ErrorLine, failureExpected, cells[i].Outputs);
                results.Add(result);
                options.Observer?.CellFinished(result);
            }
        }
        finally
        {
            if (kernel is not null)
                await kernel.DisposeAsync().ConfigureAwait(false);
            if (kernelStarting is not null)
                await DisposeUnusedAsync(kernelStarting).ConfigureAwait(false);
        }

        var failure = results.FirstOrDefault(r => r.IsFailure);
        var metadata = (System.Text.Json.Nodes.JsonObject)notebook.Metadata.DeepClone();
        metadata["runbook"] = new System.Text.Json.Nodes.JsonObject
        {
            ["started"] = runStarted.ToString("O", CultureInfo.InvariantCulture),
            ["duration_ms"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1),
            ["kernel_start_ms"] = Math.Round(kernelStart.TotalMilliseconds, 1),
            ["status"] = failure is null ? "ok" : "failed",
        };
        var executed = notebook.WithCells(cells) with { Metadata = metadata };
        if (failure is not null)
            executed = executed.WithCells(executed.Cells.Insert(0, Banner(failure, cells[failure.Number - 1].ExecutionCount)));
        return new NotebookRunResult(executed, [.. results], clock.Elapsed);
    }

    private sealed record RestoredPackages(ImmutableArray<string> Assemblies, string? Failure);

    // Packages are restored once, before the first cell, as VS Code's kernel does at their #r line:
    // a failure fails the first cell that asks for a package.
    private static async Task<RestoredPackages> RestorePackagesAsync(IEnumerable<NotebookCell> cells, CancellationToken cancellationToken)
    {
        var wanted = NuGetPackage.FindAll(cells.Where(c => c.Kind == CellKind.Code && c.Language == KernelNames.CSharp).Select(c => c.Source));
        if (wanted.IsEmpty)
            return new RestoredPackages([], null);
        try
        {
            return new RestoredPackages(await PackageRestorer.RestoreAsync(wanted, cancellationToken).ConfigureAwait(false), null);
        }
        catch (PackageRestoreException e)
        {
            return new RestoredPackages([], e.Message);
        }
    }

    /// <summary>Stops a kernel started ahead that no cell needed (or that failed to start).</summary>
    public static async Task DisposeUnusedAsync(Task<KernelProcess> kernelStarting)
    {
        try
        {
            await (await kernelStarting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is KernelDiedException or FileNotFoundException or System.ComponentModel.Win32Exception or OperationCanceledException)
        {
        }
    }

    private sealed record CellOutcome(CellStatus Status, List<CellOutput> Outputs, int? ExecutionCount, int? ErrorLine, string? Error);

    /// <summary>A cell that failed for a reason of the engine's (not an exception of its own code): the reason is its last output.</summary>
    private static CellOutcome Failure(int number, string name, string message, CellStatus status = CellStatus.Failed, List<CellOutput>? outputsSoFar = null, int? executionCount = null)
    {
        var outputs = outputsSoFar ?? [];
        outputs.Add(new ErrorOutput(name, message, [$"cell {number}: {message}"]));
        return new CellOutcome(status, outputs, executionCount, null, $"cell {number}: {message}");
    }

    private static bool RunsInKernel(NotebookCell cell) => cell.Language is KernelNames.CSharp or KernelNames.Value;

    private CellOutcome UnsupportedKernel(NotebookCell cell)
    {
        if (options.SkipUnsupportedKernels)
            return new CellOutcome(CellStatus.Skipped, [new StreamOutput(StreamOutput.StandardError, $"skipped: this engine runs C# cells; this is a '{cell.Language}' cell (--skip-unsupported-kernels).\n")], null, null, $"skipped '{cell.Language}' cell");
        var message = $"this engine runs C# cells only; this cell is '{cell.Language}'. Rewrite it in C#, or pass --skip-unsupported-kernels to skip such cells.";
        return new CellOutcome(CellStatus.Failed, [new ErrorOutput("UnsupportedKernel", message, [message])], null, null, message);
    }

    private async Task<(CellOutcome Outcome, bool KernelGone)> RunCellAsync(
        KernelProcess kernel, List<NotebookCell> cells, int number, NotebookCell cell, int executionCount, DateTimeOffset notebookDeadline, CancellationToken cancellationToken)
    {
        var outputs = new List<CellOutput>();
        var cellDeadline = DateTimeOffset.UtcNow + options.CellTimeout;
        var deadline = cellDeadline < notebookDeadline ? cellDeadline : notebookDeadline;
        var limit = cellDeadline < notebookDeadline ? options.CellTimeout : deadline - DateTimeOffset.UtcNow;
        try
        {
            var complete = await kernel.ExecuteAsync(number, NuGetPackage.CommentOut(cell.Source), cell.Language, deadline, limit, message => Collect(message, outputs, cells, executionCount), cancellationToken).ConfigureAwait(false);
            if (complete.Error is not { } error)
                return (new CellOutcome(CellStatus.Ok, outputs, executionCount, null, null), false);
            var where = error.Line is { } line ? $"cell {number}, line {line}" : $"cell {number}";
            var summary = $"{where}: {error.Name}: {options.Redact(error.Message)}";
            outputs.Add(new ErrorOutput(error.Name, options.Redact(error.Message), [.. new[] { summary }.Concat(error.Traceback.Skip(error.Name == "CompilationError" ? int.MaxValue : 0).Select(options.Redact))]));
            return (new CellOutcome(CellStatus.Failed, outputs, executionCount, error.Line, summary), false);
        }
        catch (CellTimeoutException e)
        {
            var bound = deadline == notebookDeadline ? $" (the notebook's limit of {options.NotebookTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s was reached)" : string.Empty;
            return (Failure(number, "CellTimeout", e.Message + bound, CellStatus.TimedOut, outputs, executionCount), true);
        }
        catch (KernelDiedException e)
        {
            return (Failure(number, "KernelDied", options.Redact(e.Message), CellStatus.Failed, outputs, executionCount), true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run was stopped (SIGTERM, Ctrl+C): this cell failed there, the kernel goes, and the copy still shows
            // what every cell before it did.
            return (Failure(number, "Stopped", "stopped by SIGTERM or Ctrl+C while it ran", CellStatus.Failed, outputs, executionCount), true);
        }
    }

    private void Collect(KernelMessage message, List<CellOutput> outputs, List<NotebookCell> cells, int executionCount)
    {
        var data = message.Data?.Select(d => d with { Value = options.Redact(d.Value) }).ToImmutableArray() ?? [];
        switch (message.Type)
        {
            case KernelMessage.Types.Stream:
                var text = options.Redact(message.Text ?? string.Empty);
                var name = message.Name ?? StreamOutput.StandardOutput;
                // Consecutive writes to one stream are one output, as Jupyter stores them.
                if (outputs.Count > 0 && outputs[^1] is StreamOutput last && last.Name == name)
                    outputs[^1] = last with { Text = last.Text + text };
                else
                    outputs.Add(new StreamOutput(name, text));
                break;
            case KernelMessage.Types.Display:
                outputs.Add(new DisplayOutput(data, message.DisplayId));
                break;
            case KernelMessage.Types.Result:
                outputs.Add(new DisplayOutput(data, ExecutionCount: executionCount));
                break;
            case KernelMessage.Types.Update:
                UpdateDisplay(message.DisplayId, data, outputs, cells);
                break;
        }
    }

    // An updated display keeps its place, even in an earlier cell; the executed copy shows its last value.
    private static void UpdateDisplay(string? displayId, ImmutableArray<MimeData> data, List<CellOutput> outputs, List<NotebookCell> cells)
    {
        var index = IndexOfDisplay(outputs, displayId);
        if (index >= 0)
        {
            outputs[index] = ((DisplayOutput)outputs[index]) with { Data = data };
            return;
        }
        for (var c = 0; c < cells.Count; c++)
        {
            var position = IndexOfDisplay(cells[c].Outputs, displayId);
            if (position >= 0)
            {
                cells[c] = cells[c] with { Outputs = cells[c].Outputs.SetItem(position, ((DisplayOutput)cells[c].Outputs[position]) with { Data = data }) };
                return;
            }
        }
    }

    private static int IndexOfDisplay(IReadOnlyList<CellOutput> outputs, string? displayId)
    {
        for (var i = 0; i < outputs.Count; i++)
            if (outputs[i] is DisplayOutput d && d.DisplayId == displayId)
                return i;
        return -1;
    }

    // Cell numbers count from the first cell under this banner; In [n] is what VS Code and GitHub show beside the cell.
    private static NotebookCell Banner(CellResult failure, int? executionCount) => new()
    {
        Kind = CellKind.Markdown,
        Language = "markdown",
        Tags = [ErrorBannerTag],
        Source = $"> [!CAUTION]\n> **This runbook failed at cell {failure.Number}{(executionCount is { } n ? $" (In [{n}])" : string.Empty)}**{(failure.ErrorLine is { } line ? $", line {line}" : string.Empty)}" +
                 $" (`{failure.FirstLine.Replace("`", "'", StringComparison.Ordinal)}`):\n> {failure.Error?.ReplaceLineEndings(" ")}\n>\n> The cells after it were not run unless `--continue-on-error` was given.",
    };

    public static string FirstLine(string source)
    {
        var line = source.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("#!", StringComparison.Ordinal)) ?? string.Empty;
        return line.Length > 80 ? line[..77] + "..." : line;
    }
}
