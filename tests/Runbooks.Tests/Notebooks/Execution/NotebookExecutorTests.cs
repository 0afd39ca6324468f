using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Tests.Notebooks.Execution;

public class NotebookExecutorTests
{
    [Fact]
    public async Task State_types_and_usings_carry_from_one_cell_to_the_next()
    {
        var result = await Engine.RunAsync(Engine.Cells(
            "using System.Text.RegularExpressions;\nrecord Disk(string Name, long Bytes);\nvar disks = new List<Disk> { new(\"loop0\", 1887436800) };",
            "disks.Add(new Disk(\"loop1\", 42));\nvar pattern = new Regex(\"loop\\\\d\");",
            "Console.WriteLine($\"{disks.Count} {disks.Sum(d => d.Bytes)} {pattern.IsMatch(disks[1].Name)}\");"));

        Assert.True(result.Succeeded, result.FirstFailure?.Error);
        Assert.Equal("2 1887436842 True\n", result.CodeCell(2).Stdout());
    }

    [Fact]
    public async Task Top_level_await_and_the_value_of_the_last_expression()
    {
        var result = await Engine.RunAsync(Engine.Cells("await Task.Delay(5);\nvar n = await Task.FromResult(41);", "n + 1"));

        var value = Assert.IsType<DisplayOutput>(Assert.Single(result.CodeCell(1).Outputs));
        Assert.True(value.IsResult);
        Assert.Equal(2, value.ExecutionCount);
        // Like VS Code's kernel: a number is text/html (only a string is text/plain).
        Assert.Equal("<div class=\"dni-plaintext\"><pre>42</pre></div>", value.Text("text/html"));
    }

    [Fact]
    public async Task Stdout_stderr_displays_and_child_process_output_keep_their_cell()
    {
        var result = await Engine.RunAsync(Engine.Cells(
            "Console.WriteLine(\"one\");\ndisplay(\"two\");\nConsole.Error.WriteLine(\"three\");",
            "var p = System.Diagnostics.Process.Start(\"sh\", new[] { \"-c\", \"echo from-child; echo child-err >&2\" });\np.WaitForExit();"));

        var first = result.CodeCell(0).Outputs;
        Assert.Equal("one\n", Assert.IsType<StreamOutput>(first[0]).Text);
        Assert.Equal("two", Assert.IsType<DisplayOutput>(first[1]).Text("text/plain"));
        Assert.Equal(new StreamOutput("stderr", "three\n"), first[2]);
        var second = result.CodeCell(1);
        Assert.Contains("from-child\n", second.Stdout());
        Assert.Contains(second.Outputs, o => o is StreamOutput { Name: "stderr", Text: var t } && t.Contains("child-err", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_display_api_of_polyglot_notebooks_works_unchanged()
    {
        var result = await Engine.RunAsync(Engine.Cells(
            "using Microsoft.DotNet.Interactive;\nusing Microsoft.DotNet.Interactive.Formatting;\nvar progress = display(\"starting\");\n\"<b>bold</b>\".DisplayAs(\"text/html\");\ndisplay(HTML(\"<i>html</i>\"));\nnew[] { 1, 2 }.Display();",
            "record Volume(string Lv, long Size);\nFormatter.Register<Volume>(v => $\"<em>{v.Lv}</em>\", \"text/html\");\ndisplay(new Volume(\"data0\", 4));",
            "progress.Update(\"done\");\nKernel.display(new { Free = 3 }, \"text/plain\");"));

        Assert.True(result.Succeeded, result.FirstFailure?.Error);
        var first = result.CodeCell(0).Outputs.Cast<DisplayOutput>().ToList();
        Assert.Equal("done", first[0].Text("text/plain"));          // updated in place from a later cell
        Assert.Equal("<b>bold</b>", first[1].Text("text/html"));
        Assert.Equal("<i>html</i>", first[2].Text("text/html"));
        Assert.Equal("<div class=\"dni-plaintext\"><pre>[ 1, 2 ]</pre></div>", first[3].Text("text/html"));
        Assert.Equal("<em>data0</em>", Assert.IsType<DisplayOutput>(Assert.Single(result.CodeCell(1).Outputs)).Text("text/html"));
        var third = Assert.IsType<DisplayOutput>(Assert.Single(result.CodeCell(2).Outputs));
        Assert.Equal(["text/plain"], third.Data.Select(d => d.MimeType));
        Assert.Equal("{ Free = 3 }", third.Text("text/plain"));
    }

    [Fact]
    public async Task Relative_r_and_load_resolve_from_the_notebook_folder_not_the_current_one()
    {
        using var folder = new TempFolder();
        CompileLibrary(folder.Combine("lib/Greeter.dll"), "public static class Greeter { public static string Hello(string n) => \"hello \" + n; }");
        folder.File("scripts/helpers.csx", "#load \"more.csx\"\nstring Twice(string s) => s + s;");
        folder.File("scripts/more.csx", "const int Answer = 42;");

        var result = await Engine.RunAsync(Engine.Cells(
            "#r \"lib/Greeter.dll\"\n#load \"scripts/helpers.csx\"",
            "Console.WriteLine(Greeter.Hello(Twice(\"ab\")) + \" \" + Answer);",
            "Console.WriteLine(Environment.CurrentDirectory);"), folder.Path);

        Assert.True(result.Succeeded, result.FirstFailure?.Error);
        Assert.Equal("hello abab 42\n", result.CodeCell(1).Stdout());
        Assert.Equal(folder.Path + "\n", result.CodeCell(2).Stdout());
    }

    private static void CompileLibrary(string path, string code)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            Path.GetFileNameWithoutExtension(path),
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(code)],
            [Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary));
        var emitted = compilation.Emit(path);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
    }

    [Fact]
    public async Task A_runtime_error_names_the_cell_and_line_and_stops_the_run()
    {
        var result = await Engine.RunAsync(Engine.Cells("var x = 1;", "var y = 2;\n\nthrow new InvalidOperationException(\"pv missing\");", "Console.WriteLine(\"after\");"));

        Assert.False(result.Succeeded);
        var failure = result.FirstFailure!;
        Assert.Equal(2, failure.Number);
        Assert.Equal(3, failure.ErrorLine);
        Assert.Equal("cell 2, line 3: InvalidOperationException: pv missing", failure.Error);
        Assert.Equal(CellStatus.NotRun, result.Cells[2].Status);
        Assert.Empty(result.CodeCell(2).Outputs);
        var banner = result.Executed.Cells[0];
        Assert.True(banner.HasTag(NotebookExecutor.ErrorBannerTag));
        Assert.Contains("failed at cell 2 (In [2])**, line 3", banner.Source, StringComparison.Ordinal);
        Assert.Equal("failed", result.Executed.Metadata["runbook"]!["status"]!.GetValue<string>());
        var error = Assert.IsType<ErrorOutput>(result.CodeCell(1).Outputs.Last());
        Assert.Equal("InvalidOperationException", error.Name);
        Assert.DoesNotContain(error.Traceback, l => l.Contains("Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_compile_error_names_the_line_and_column_inside_the_cell()
    {
        var result = await Engine.RunAsync(Engine.Cells("var a = 1;\nvar b = a + missingVolume;"));

        var failure = result.FirstFailure!;
        Assert.Equal(2, failure.ErrorLine);
        Assert.Contains("line 2, column", failure.Error, StringComparison.Ordinal);
        Assert.Contains("CS0103: The name 'missingVolume' does not exist", failure.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Continue_on_error_runs_later_cells_with_the_state_kept_and_still_fails()
    {
        var options = new ExecutionOptions { ContinueOnError = true, CellTimeout = TimeSpan.FromSeconds(60) };
        var result = await Engine.RunAsync(Engine.Cells("var kept = 7;", "throw new Exception(\"x\");", "Console.WriteLine(kept);"), options: options);

        Assert.False(result.Succeeded);
        Assert.Equal("7\n", result.CodeCell(2).Stdout());
    }

    [Fact]
    public async Task A_cell_tagged_raises_exception_may_fail()
    {
        var notebook = Engine.Cells("throw new Exception(\"expected\");", "Console.WriteLine(\"went on\");");
        notebook = notebook.WithCells(notebook.Cells.SetItem(0, notebook.Cells[0] with { Tags = [NotebookExecutor.RaisesExceptionTag] }));

        var result = await Engine.RunAsync(notebook);

        Assert.True(result.Succeeded);
        Assert.Equal(CellStatus.Failed, result.Cells[0].Status);
        Assert.Equal("went on\n", result.CodeCell(1).Stdout());
    }

    [Fact]
    public async Task A_cpu_bound_cell_times_out_its_children_are_killed_and_the_notebook_is_still_complete()
    {
        using var folder = new TempFolder();
        var pidFile = folder.Combine("child.pid");
        var options = new ExecutionOptions { CellTimeout = TimeSpan.FromSeconds(3) };
        var result = await Engine.RunAsync(Engine.Cells(
            "Console.WriteLine(\"before\");",
            $"var child = System.Diagnostics.Process.Start(\"sleep\", \"300\");\nSystem.IO.File.WriteAllText(\"{pidFile}\", child.Id.ToString());\nConsole.WriteLine(\"spinning\");\nwhile (true) {{ }}",
            "Console.WriteLine(\"after\");"), folder.Path, options);

        Assert.False(result.Succeeded);
        Assert.Equal(CellStatus.TimedOut, result.Cells[1].Status);
        Assert.Contains("did not finish within 3 s", result.Cells[1].Error, StringComparison.Ordinal);
        Assert.Contains("spinning", result.CodeCell(1).Stdout(), StringComparison.Ordinal);
        Assert.Equal(CellStatus.NotRun, result.Cells[2].Status);
        Assert.Contains("timed out", result.Cells[2].Error, StringComparison.Ordinal);
        var childPid = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsAlive(childPid), "the cell's child process outlived the timeout");
    }

    [Fact]
    public async Task An_awaited_call_that_never_returns_times_out()
    {
        var result = await Engine.RunAsync(Engine.Cells("await Task.Delay(System.Threading.Timeout.Infinite);"), options: new ExecutionOptions { CellTimeout = TimeSpan.FromSeconds(2) });

        Assert.Equal(CellStatus.TimedOut, result.Cells[0].Status);
        Assert.Equal("CellTimeout", Assert.IsType<ErrorOutput>(result.CodeCell(0).Outputs.Last()).Name);
    }

    [Fact]
    public async Task The_notebook_timeout_bounds_the_sum_of_cells()
    {
        // The kernel's start counts against the notebook: the first cell pays it, whatever the machine's load. A
        // loaded host has taken up to 9 s for a kernel's start and first cell, so the cells before the stuck one leave
        // the limit that much room.
        var options = new ExecutionOptions { CellTimeout = TimeSpan.FromSeconds(60), NotebookTimeout = TimeSpan.FromSeconds(15) };
        var result = await Engine.RunAsync(Engine.Cells("1", "await Task.Delay(1000);", "await Task.Delay(60000);", "1"), options: options);

        Assert.Equal([CellStatus.Ok, CellStatus.Ok, CellStatus.TimedOut, CellStatus.NotRun], result.Cells.Select(c => c.Status));
        Assert.Contains("notebook's limit of 15 s", result.Cells[2].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cell_that_kills_its_kernel_is_reported_not_hung()
    {
        var result = await Engine.RunAsync(Engine.Cells("Environment.Exit(7);", "1"));

        Assert.Equal(CellStatus.Failed, result.Cells[0].Status);
        Assert.Contains("exit code 7", result.Cells[0].Error, StringComparison.Ordinal);
        Assert.Equal(CellStatus.NotRun, result.Cells[1].Status);
    }

    [Fact]
    public async Task A_kernel_that_cannot_start_fails_the_first_cell_with_the_reason()
    {
        var options = new ExecutionOptions { Launcher = new KernelLauncher("/bin/sh", ["-c", "echo 'no runtime here' >&2; exit 9", "sh"]) };
        var result = await Engine.RunAsync(Engine.Cells("1", "2"), options: options);

        Assert.Equal([CellStatus.Failed, CellStatus.NotRun], result.Cells.Select(c => c.Status));
        Assert.Contains("could not start", result.Cells[0].Error, StringComparison.Ordinal);
        Assert.Contains("exit code 9", result.Cells[0].Error, StringComparison.Ordinal);
        Assert.Contains("no runtime here", result.Cells[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cells_of_other_kernels_fail_clearly_or_are_skipped_on_request()
    {
        var notebook = Engine.Dib("#!csharp\n\nvar a = 1;\n\n#!pwsh\n\nGet-Process\n\n#!csharp\n\nConsole.WriteLine(a);");

        var strict = await Engine.RunAsync(notebook);
        Assert.False(strict.Succeeded);
        Assert.Contains("'pwsh'", strict.Cells[1].Error, StringComparison.Ordinal);
        Assert.Contains("--skip-unsupported-kernels", strict.Cells[1].Error, StringComparison.Ordinal);

        var lenient = await Engine.RunAsync(notebook, options: new ExecutionOptions { SkipUnsupportedKernels = true, CellTimeout = TimeSpan.FromSeconds(60) });
        Assert.True(lenient.Succeeded);
        Assert.Equal(CellStatus.Skipped, lenient.Cells[1].Status);
        Assert.Equal("1\n", lenient.CodeCell(2).Stdout());
    }

    [Fact]
    public async Task Unsupported_magic_commands_fail_with_a_clear_message()
    {
        var result = await Engine.RunAsync(Engine.Cells("#!time\nvar t = 1;", "#!lsmagic"), options: new ExecutionOptions { ContinueOnError = true });
        Assert.Contains("Wall time:", result.CodeCell(0).Stdout(), StringComparison.Ordinal);
        Assert.Contains("'#!lsmagic' is not supported", result.Cells[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_text_leaving_a_cell_passes_the_redactor_but_the_kernel_runs_the_real_source()
    {
        var options = new ExecutionOptions { Redact = t => t.Replace("hunter2", "[REDACTED]", StringComparison.Ordinal), CellTimeout = TimeSpan.FromSeconds(60) };
        var result = await Engine.RunAsync(Engine.Cells("var pw = \"hunter2\";", "Console.WriteLine(pw.Length); display(pw); pw", "throw new Exception(pw);"), options: options);

        var text = result.Serialized();
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("7\n", result.CodeCell(1).Stdout(), StringComparison.Ordinal);  // the real value ran
        Assert.Contains("[REDACTED]", result.Cells[2].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_cell_records_its_start_duration_and_status()
    {
        var before = DateTimeOffset.UtcNow;
        var result = await Engine.RunAsync(Engine.Cells("await Task.Delay(300);"));

        var run = result.CodeCell(0).Run!;
        Assert.Equal(CellStatus.Ok, run.Status);
        var notebookRun = result.Executed.Metadata["runbook"]!;
        Assert.Equal("ok", notebookRun["status"]!.GetValue<string>());
        Assert.True(notebookRun["kernel_start_ms"]!.GetValue<double>() > 0);
        Assert.True(notebookRun["duration_ms"]!.GetValue<double>() >= run.Duration.TotalMilliseconds + notebookRun["kernel_start_ms"]!.GetValue<double>());
        Assert.True(run.Started >= before.AddSeconds(-1));
        Assert.InRange(run.Duration.TotalMilliseconds, 300, 60_000);
    }

    private static bool IsAlive(int pid)
    {
        for (var i = 0; i < 20; i++)
        {
            if (!Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z")
                return false;
            Thread.Sleep(100);
        }
        try
        {
            Process.GetProcessById(pid).Kill();
        }
        catch (ArgumentException)
        {
        }
        return true;
    }
}
