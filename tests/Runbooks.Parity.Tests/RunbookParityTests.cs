using Runbooks.Catalogue;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;
using Runbooks.Tests.Parity.Comparison;
using Runbooks.Tests.Parity.RealKernel;

namespace Runbooks.Tests.Parity;

/// <summary>
/// Every runbook the catalogue lists for CI, run by the real .NET Interactive kernel (VS Code's), cell for cell against
/// the executed copy <c>runbook run --ci</c> wrote in the same CI run (scripts/main.sh, then scripts/parity.sh). The
/// runbooks build their twin afresh in their first cells, so both runs start from the same broken machines. A new
/// runbook is covered by listing it in nbconfig.json with "ci": true.
/// </summary>
[Trait("Parity", "runbooks")]
public class RunbookParityTests
{
    private static RunbookCatalogue Catalogue => CatalogueLoader.Load(CatalogueLoader.Discover(AppContext.BaseDirectory));

    /// <summary>Every runbook listed for CI; RUNBOOK_PARITY=name,name compares only those (each needs its executed copy).</summary>
    public static TheoryData<string> CiRunbooks()
    {
        var only = Environment.GetEnvironmentVariable("RUNBOOK_PARITY")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        var listed = Catalogue.Notebooks.Where(n => n.Ci).Select(n => n.Name).ToList();
        var unknown = only.Where(name => !listed.Contains(name)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"RUNBOOK_PARITY names runbooks not listed for CI: {string.Join(", ", unknown)}; listed: {string.Join(", ", listed)}");
        return [.. listed.Where(name => only.Length == 0 || only.Contains(name))];
    }

    [Theory]
    [MemberData(nameof(CiRunbooks))]
    public async Task Runs_the_same_in_vs_code_s_kernel(string name)
    {
        var catalogue = Catalogue;
        var runbook = catalogue.Find(name);
        var executedPath = Path.Combine(catalogue.ArtifactsDirectory, name + ".ipynb");
        Assert.True(File.Exists(executedPath), $"no executed copy of {name} at {executedPath}: run scripts/main.sh first (scripts/parity.sh compares with what it wrote).");
        var executed = NotebookFile.Read(executedPath);

        var report = await ParityRun.CompareAsync(executed, Path.GetDirectoryName(runbook.Path)!, runbook.CellTimeout);

        var reportPath = Path.Combine(catalogue.ArtifactsDirectory, "..", "parity", name + ".txt");
        Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
        await File.WriteAllTextAsync(reportPath, report.ToString());
        Assert.True(report.Compared > 0, $"{name}: no cell was compared ({report})");
        Assert.True(report.Unknown.Count == 0, $"{name} differs in VS Code's kernel (report: {reportPath}):\n{report}");
    }
}

/// <summary>What comparing one notebook gave: how many cells, every difference, and which of them are not known ones.</summary>
public sealed record ParityReport(int Compared, IReadOnlyList<CellDifference> Differences, IReadOnlyList<string> Cells)
{
    public IReadOnlyList<CellDifference> Unknown => [.. Differences.Where(d => !d.Known)];

    public override string ToString() =>
        $"{Compared} cells compared, {Unknown.Count} differences, {Differences.Count - Unknown.Count} known ones\n"
        + string.Join("\n", Cells) + "\n" + string.Join("\n", Differences);
}

/// <summary>Runs an executed notebook's code cells in the real kernel and compares each with what the engine recorded.</summary>
public static class ParityRun
{
    private static readonly TimeSpan KernelStart = TimeSpan.FromMinutes(5);

    public static async Task<ParityReport> CompareAsync(Notebook executed, string workingDirectory, TimeSpan cellTimeout)
    {
        var differences = new List<CellDifference>();
        var cells = new List<string>();
        var compared = 0;
        await using var kernel = DotnetInteractive.Start(workingDirectory);
        var number = 0;
        foreach (var cell in executed.Cells)
        {
            number++;
            if (cell.Kind != CellKind.Code || ObservedCell.FromExecuted(cell) is not { } ours)
                continue;
            // The real kernel starts while the first cell waits (2.9 s idle, over a minute on a loaded CI host): as in the
            // engine, its start is not charged to that cell.
            var real = await kernel.SubmitAsync(cell.Source, cell.Language, compared == 0 ? cellTimeout + KernelStart : cellTimeout);
            compared++;
            var found = CellComparison.Compare(number, ours, real);
            differences.AddRange(found);
            cells.Add($"cell {number}: engine {(ours.Succeeded ? "ok" : "failed")}, real kernel {(real.Succeeded ? "ok" : "failed")}; "
                + $"{string.Join(", ", real.Outputs)}{(found.Count == 0 ? "" : $"; {found.Count} differences")}");
        }
        return new ParityReport(compared, differences, cells);
    }
}
