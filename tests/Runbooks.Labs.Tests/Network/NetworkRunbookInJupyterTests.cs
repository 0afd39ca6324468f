using System.Text.Json.Nodes;
using Runbooks.Jupyter;
using Runbooks.Labs.Tests.Cli;
using Runbooks.Tests.Jupyter;

namespace Runbooks.Labs.Tests.Network;

/// <summary>
/// The network runbook through the runbook Jupyter kernel on the real twin, with clients no one here wrote: nbclient
/// executes it with the same outputs as `runbook run`, and Jupyter Notebook in headless chromium steps through it cell
/// by cell showing each cell's output (screenshot in artifacts/jupyter/network-wireguard.png). The parameters reach
/// the kernel papermill's way: `runbook run --profile twin` injects them as a cell, and its executed copy, outputs
/// cleared, is what the clients run.
/// </summary>
[Collection(NetworkLabCollection.Name)]
public sealed class NetworkRunbookInJupyterTests(NetworkLabFixture fixture) : IDisposable
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(10);
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-jupyter-network-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Nbclient_and_the_browser_step_through_the_network_runbook_with_the_results_of_runbook_run()
    {
        fixture.Changed(); // every run rebuilds the twin broken, then repairs it
        using var clients = new JupyterClients();
        var root = Repository.Root();
        var viaRunbook = Path.Combine(_folder, "network-wireguard.runbook.ipynb");
        var run = RunbookProgram.Run(s_runLimit, "--config", Path.Combine(root, "nbconfig.json"), "run", "network-wireguard", "--profile", "twin", "-o", viaRunbook);
        Assert.True(run.ExitCode == 0, run.Output);

        // A copy of the runbooks folder, so the cells' #load resolves, holding the twin's parameters as runbook run injected them.
        var runbooks = JupyterClients.CopyOfRunbooks(_folder);
        var withParameters = Path.Combine(runbooks, "network-wireguard.twin.ipynb");
        File.WriteAllText(withParameters, WithoutOutputs(viaRunbook));

        var viaNbclient = Path.Combine(_folder, "network-wireguard.nbclient.ipynb");
        var nbclient = clients.Python("nbclient_run.py", withParameters, viaNbclient, runbooks, KernelSpec.Name);
        Assert.True(nbclient.ExitCode == 0, nbclient.Output);
        Assert.Equal(JupyterClients.OutputShapes(viaRunbook), JupyterClients.OutputShapes(viaNbclient));

        using var server = await NotebookServer.StartAsync(clients, runbooks);
        var screenshot = Path.Combine(root, "artifacts", "jupyter", "network-wireguard.png");
        var page = clients.StepThroughInBrowser(server, Path.GetFileName(withParameters), screenshot, cellTimeoutSeconds: 300);
        Assert.Equal(KernelSpec.DisplayName, page["kernel"]!.GetValue<string>());
        Assert.Empty(JupyterClients.PageDiffers(page, viaRunbook));
    }

    /// <summary>The executed copy as a notebook to run again: no outputs, no execution counts.</summary>
    private static string WithoutOutputs(string executedCopy)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(executedCopy))!;
        foreach (var cell in notebook["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code"))
        {
            cell!["outputs"] = new JsonArray();
            cell["execution_count"] = null;
        }
        return notebook.ToJsonString();
    }
}
