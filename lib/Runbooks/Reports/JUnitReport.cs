using System.Globalization;
using System.Xml.Linq;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Reports;

/// <summary>
/// JUnit XML for CI systems: one test suite per notebook, one test case per code cell. A failed cell is a
/// <c>failure</c>, a timed-out one an <c>error</c>, a skipped or not-run one <c>skipped</c>; a cell tagged
/// <c>raises-exception</c> that failed passes.
/// </summary>
public static class JUnitReport
{
    public static XDocument Create(IReadOnlyList<(string Name, NotebookRunResult Result)> runs)
    {
        var suites = runs.Select(run => Suite(run.Name, run.Result)).ToList();
        var root = new XElement("testsuites",
            new XAttribute("name", "runbook"),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            new XAttribute("errors", suites.Sum(s => (int)s.Attribute("errors")!)),
            new XAttribute("skipped", suites.Sum(s => (int)s.Attribute("skipped")!)),
            new XAttribute("time", Seconds(TimeSpan.FromTicks(runs.Sum(r => r.Result.Duration.Ticks)))),
            suites);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    public static void Write(IReadOnlyList<(string Name, NotebookRunResult Result)> runs, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Create(runs).Save(path);
    }

    private static XElement Suite(string name, NotebookRunResult result)
    {
        var cases = result.Cells.Select(cell => Case(name, cell)).ToList();
        return new XElement("testsuite",
            new XAttribute("name", name),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", result.Cells.Count(c => c.IsFailure && c.Status == CellStatus.Failed)),
            new XAttribute("errors", result.Cells.Count(c => c.IsFailure && c.Status == CellStatus.TimedOut)),
            new XAttribute("skipped", result.Cells.Count(c => c.Status is CellStatus.Skipped or CellStatus.NotRun)),
            new XAttribute("time", Seconds(result.Duration)),
            cases);
    }

    private static XElement Case(string suite, CellResult cell)
    {
        var element = new XElement("testcase",
            new XAttribute("classname", suite),
            new XAttribute("name", $"cell {cell.Number:00}: {cell.FirstLine}"),
            new XAttribute("time", Seconds(cell.Duration)));
        if (cell.IsFailure)
            element.Add(new XElement(cell.Status == CellStatus.TimedOut ? "error" : "failure",
                new XAttribute("message", cell.Error ?? cell.Status.ToString()),
                new XAttribute("type", cell.Status == CellStatus.TimedOut ? "CellTimeout" : "CellFailed"),
                cell.Error));
        else if (cell.Status is CellStatus.Skipped or CellStatus.NotRun)
            element.Add(new XElement("skipped", new XAttribute("message", cell.Error ?? cell.Status.ToString())));
        return element;
    }

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
