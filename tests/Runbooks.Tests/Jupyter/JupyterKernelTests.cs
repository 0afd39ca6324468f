using System.Text.Json.Nodes;
using Runbooks.Jupyter;
using Runbooks.Tests.Cli;

namespace Runbooks.Tests.Jupyter;

/// <summary>The runbook kernel driven by Debian's jupyter_client and nbclient: real clients no one here wrote.</summary>
public class JupyterKernelTests
{
    [Fact]
    public void Jupyter_client_gets_kernel_info_is_complete_execute_complete_inspect_interrupt_and_shutdown_answered()
    {
        using var clients = new JupyterClients();
        using var work = new TempFolder();
        var run = clients.Python("protocol_check.py", KernelSpec.Name, work.Path);
        Assert.True(run.ExitCode == 0, run.Output);
        var seen = JsonNode.Parse(run.Stdout)!;

        Assert.Equal("5.3", seen["kernel_info"]!["protocol_version"]!.GetValue<string>());
        Assert.Equal("csharp", seen["kernel_info"]!["language_info"]!["name"]!.GetValue<string>());
        Assert.Equal("complete", seen["is_complete"]!["var x = 1;"]!.GetValue<string>());
        Assert.Equal("incomplete", seen["is_complete"]!["if (true) {"]!.GetValue<string>());

        // Execution counts: silent and store_history=false runs do not count, and silent ones publish nothing.
        Assert.Equal(1, seen["first"]![0]!["execution_count"]!.GetValue<int>());
        Assert.Contains("\"hello\\n\"", seen["first"]![1]!.ToJsonString());
        Assert.Empty(seen["silent"]![1]!.AsArray());
        // A value other than a string comes as text/html only, as VS Code's kernel formats it (docs/engine.md).
        Assert.Contains(">43<", seen["no_history"]![1]![1]!["content"]!["data"]!["text/html"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, seen["value"]![0]!["execution_count"]!.GetValue<int>());
        Assert.Contains(">42<", seen["value"]![1]![1]!["content"]!["data"]!["text/html"]!.GetValue<string>(), StringComparison.Ordinal);

        // Completion and inspection see the framework and the variables of earlier cells.
        Assert.Contains("WriteLine", seen["complete"]!["matches"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(8, seen["complete"]!["cursor_start"]!.GetValue<int>());
        Assert.Contains("CompareTo", seen["complete_variable"]!["matches"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.True(seen["inspect"]!["found"]!.GetValue<bool>());
        Assert.Contains("System.Console.WriteLine", seen["inspect"]!["data"]!["text/plain"]!.GetValue<string>());
        Assert.Equal("ok", seen["comm_info"]!["status"]!.GetValue<string>());

        // A cell waiting on its process is interrupted and the kernel keeps its variables; a CPU loop restarts it.
        Assert.Equal("Interrupted", seen["interrupted"]!["ename"]!.GetValue<string>());
        Assert.Contains(">42<", seen["after_interrupt"]![1]![1]!["content"]!["data"]!["text/html"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("KernelRestarting", seen["stuck"]!["ename"]!.GetValue<string>());
        Assert.False(seen["stuck_kernel_alive"]!.GetValue<bool>());

        Assert.Equal("ok", seen["shutdown"]!["status"]!.GetValue<string>());
        Assert.False(seen["shutdown_kernel_alive"]!.GetValue<bool>());
    }

    [Fact]
    public void Jupyter_console_runs_cells_with_the_runbook_kernel()
    {
        using var clients = new JupyterClients();
        using var work = new TempFolder();
        var console = clients.Run("/usr/bin/jupyter", "var who = \"console\";\n$\"hello from {who}\"\n", "console", "--kernel", KernelSpec.Name, "--simple-prompt", $"--ZMQTerminalInteractiveShell.kernel_timeout=120");
        Assert.True(console.ExitCode == 0, console.Output);
        Assert.Contains("runbook " + JupyterKernel.Version, console.Stdout); // the kernel's banner
        Assert.Contains("Out[2]: hello from console", console.Stdout);
    }

    [Fact]
    public void Nbclient_runs_a_notebook_with_the_same_outputs_as_runbook_run()
    {
        using var clients = new JupyterClients();
        using var work = new TempFolder();
        var source = work.File("small.ipynb", SmallNotebook);
        var viaJupyter = work.Combine("via-nbclient.ipynb");
        var nbclient = clients.Python("nbclient_run.py", source, viaJupyter, work.Path, KernelSpec.Name);
        Assert.True(nbclient.ExitCode == 0, nbclient.Output);
        var viaRunbook = work.Combine("via-runbook.ipynb");
        var runbook = Runbook.Run(work.Path, "run", source, "-o", viaRunbook);
        Assert.True(runbook.ExitCode == 0, runbook.Output);

        var shapes = JupyterClients.OutputShapes(viaJupyter);
        Assert.Equal(JupyterClients.OutputShapes(viaRunbook), shapes);
        Assert.Equal(["cell 1: stream stdout", "cell 2: execute_result text/html", "cell 3: display_data text/html", "cell 4: display_data text/plain"], shapes);
        var cells = JsonNode.Parse(File.ReadAllText(viaJupyter))!["cells"]!.AsArray();
        Assert.Equal("x is 42\n", JupyterClients.Text(cells[0]!["outputs"]![0]!["text"]!));
        Assert.Contains(">84<", JupyterClients.Text(cells[1]!["outputs"]![0]!["data"]!["text/html"]!), StringComparison.Ordinal);
        Assert.Equal("second", JupyterClients.Text(cells[3]!["outputs"]![0]!["data"]!["text/plain"]!)); // the update replaced it
    }

    [Fact]
    public void Nbclient_runs_the_first_look_runbook_with_the_same_outputs_as_runbook_run()
    {
        using var clients = new JupyterClients();
        using var work = new TempFolder();
        var runbooks = Path.Combine(JupyterClients.RepositoryRoot, "runbooks");
        var source = Path.Combine(runbooks, "first-look.ipynb");
        var viaJupyter = work.Combine("first-look.nbclient.ipynb");
        var nbclient = clients.Python("nbclient_run.py", source, viaJupyter, runbooks, KernelSpec.Name);
        Assert.True(nbclient.ExitCode == 0, nbclient.Output);
        var viaRunbook = work.Combine("first-look.runbook.ipynb");
        var runbook = Runbook.Run(JupyterClients.RepositoryRoot, "run", source, "-o", viaRunbook);
        Assert.True(runbook.ExitCode == 0, runbook.Output);

        Assert.Equal(JupyterClients.OutputShapes(viaRunbook), JupyterClients.OutputShapes(viaJupyter));
    }

    private const string SmallNotebook = """
        {
         "cells": [
          { "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["var x = 40 + 2;\n", "Console.WriteLine($\"x is {x}\");"] },
          { "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["x * 2"] },
          { "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["display(HTML(\"<b>bold</b>\"));"] },
          { "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["var d = display(\"first\");\n", "d.Update(\"second\");"] }
         ],
         "metadata": {
          "kernelspec": { "display_name": "C# (runbook)", "language": "C#", "name": "runbook-csharp" },
          "polyglot_notebook": { "kernelInfo": { "defaultKernelName": "csharp", "items": [ { "aliases": [], "name": "csharp" } ] } }
         },
         "nbformat": 4,
         "nbformat_minor": 5
        }
        """;
}
