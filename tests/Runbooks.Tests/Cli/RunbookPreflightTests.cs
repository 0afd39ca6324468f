using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;
using Runbooks.Tests.Devcontainer;

namespace Runbooks.Tests.Cli;

/// <summary>
/// The repository's runbooks check what their later cells need before they change anything: run without what they
/// need, they stop in their set-up cell, saying how to get it, with no machine touched.
/// </summary>
public class RunbookPreflightTests
{
    [Fact]
    public void The_storage_runbook_without_the_growers_build_stops_in_its_set_up_cell_before_connecting()
    {
        using var folder = new TempFolder();
        var copy = folder.Combine("storage.ipynb");

        var outcome = Runbook.Run(RepoFiles.Root, "run", "runbooks/storage-lvm.ipynb", "-o", copy,
            "-p", "lab=", "-p", $"growerBuild={folder.Combine("no-build-here")}");

        Assert.True(outcome.ExitCode == 1, outcome.Output);
        var code = NotebookFile.Read(copy).Cells.Where(c => c.Kind == CellKind.Code).ToList();
        var failed = code.Single(c => c.Run?.Status == CellStatus.Failed);
        Assert.Contains("Preflight", failed.Source, StringComparison.Ordinal);
        var error = failed.Outputs.OfType<ErrorOutput>().Single();
        Assert.Contains("scripts/publish.sh machine", error.Value, StringComparison.Ordinal);
        Assert.Contains("no-build-here", error.Value, StringComparison.Ordinal);
        // Nothing after it ran: no connection, no change.
        Assert.All(code.SkipWhile(c => c != failed).Skip(1), c => Assert.Equal(CellStatus.NotRun, c.Run!.Status));
    }
}
