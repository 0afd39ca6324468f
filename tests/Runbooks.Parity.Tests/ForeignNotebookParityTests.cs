using Runbooks.Notebooks;
using Runbooks.Notebooks.Execution;
using Runbooks.Notebooks.Formats;
using Runbooks.Tests.Parity.Comparison;
using Runbooks.Tests.Parity.RealKernel;

namespace Runbooks.Tests.Parity;

/// <summary>
/// Small notebooks in the style of public C# notebooks written for VS Code by others (tests/Runbooks.Parity.Tests/Notebooks):
/// each runs through the engine (with --continue-on-error's semantics) and through the real kernel, and every cell must
/// end the same way in both, with the same outputs.
/// </summary>
public class ForeignNotebookParityTests
{
    public static TheoryData<string> Notebooks() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Notebooks"), "*.ipynb").Select(Path.GetFileName).OfType<string>().Order()];

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task Every_cell_ends_the_same_in_both_kernels(string file)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Notebooks");
        var options = new ExecutionOptions { CellTimeout = TimeSpan.FromSeconds(120), ContinueOnError = true };
        var ours = await new NotebookExecutor(options).ExecuteAsync(NotebookFile.Read(Path.Combine(folder, file)), folder);

        var report = await ParityRun.CompareAsync(ours.Executed, folder, TimeSpan.FromSeconds(120));

        Assert.Equal(ours.Executed.Cells.Count(c => c.Kind == CellKind.Code), report.Compared);
        Assert.True(report.Unknown.Count == 0, $"{file}:\n{report}");
    }
}
