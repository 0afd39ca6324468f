using System.Text.Json;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Tests.Cli;

public class DescribeAndStepTests
{
    private const string Notebook = "#!markdown\n\n# Repair\n\nWhy we do this.\n\n#!csharp\n\n// parameters\nstring host = \"client\"; // the machine\nint port = 22;\n\n#!csharp\n\nConsole.WriteLine($\"at {host}:{port}\");\n\n#!csharp\n\nSystem.IO.File.WriteAllText(\"second-ran\", \"\");\n\n#!csharp\n\nSystem.IO.File.WriteAllText(\"third-ran\", \"\");\n";

    [Fact]
    public void Describe_lists_parameters_with_types_defaults_and_masks_secret_profile_values()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", Notebook);
        folder.File("nbconfig.json", """{ "notebooks": { "repair": { "path": "n.dib", "profiles": { "fly": { "parameters": { "host": "app.internal", "apiToken": "fo1_abcdefghijklmnopqrstuvwxyz" } } } } } }""");

        var text = Runbook.Run(folder.Path, "describe", "repair");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("host  string  = \"client\"  // the machine", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("port  int     = 22", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefghijklmnop", text.Stdout, StringComparison.Ordinal);

        var json = JsonDocument.Parse(Runbook.Run(folder.Path, "describe", "repair", "--json").Stdout).RootElement;
        Assert.Equal(["host", "port"], json.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("int", json.GetProperty("parameters")[1].GetProperty("type").GetString());
    }

    [Fact]
    public void Describe_resolves_names_as_run_does_with_a_suggestion_for_a_typo()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", Notebook);
        folder.File("nbconfig.json", """{ "notebooks": { "repair": { "path": "n.dib" } } }""");

        var outcome = Runbook.Run(folder.Path, "describe", "repiar");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("did you mean \"repair\"?", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_shows_prose_and_code_and_runs_skips_or_quits_on_the_answers_given()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", Notebook);

        // run the parameters cell and the injected one, run the print, skip the second, quit before the third
        var outcome = Runbook.RunWithInput(folder.Path, "\nr\nr\ns\nq\n", "step", "n.dib", "-p", "port=2222", "-o", "x.ipynb");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("REPAIR", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("│ Console.WriteLine($\"at {host}:{port}\");", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("at client:2222", outcome.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.Combine("second-ran")));
        Assert.False(File.Exists(folder.Combine("third-ran")));
        var statuses = NotebookFile.Read(folder.Combine("x.ipynb")).Cells.Where(c => c.Kind == CellKind.Code).Select(c => c.Run!.Status);
        Assert.Equal([CellStatus.Ok, CellStatus.Ok, CellStatus.Ok, CellStatus.Skipped, CellStatus.NotRun], statuses);
    }
}
