using Runbooks.Tests.Cli;

namespace Runbooks.Tests.Jupyter;

/// <summary>
/// End to end: Debian's Jupyter Notebook server and headless chromium (playwright-core) step through a runbook cell
/// by cell as an engineer does; the page must name the runbook kernel (picked from the notebook's metadata) and show
/// each cell's output. The screenshot is kept in artifacts/jupyter/ for CI.
/// </summary>
public class NotebookBrowserTests
{
    [Fact]
    public async Task Jupyter_Notebook_in_chromium_steps_through_first_look_with_the_runbook_kernel()
    {
        using var clients = new JupyterClients();
        using var work = new TempFolder();
        // A copy: the server autosaves what it shows, and the repository's runbook must stay as it is.
        var runbooks = JupyterClients.CopyOfRunbooks(work.Path);
        var expected = work.Combine("first-look.runbook.ipynb");
        var runbook = Runbook.Run(JupyterClients.RepositoryRoot, "run", Path.Combine(runbooks, "first-look.ipynb"), "-o", expected);
        Assert.True(runbook.ExitCode == 0, runbook.Output);

        using var server = await NotebookServer.StartAsync(clients, runbooks);
        var screenshot = Path.Combine(JupyterClients.RepositoryRoot, "artifacts", "jupyter", "first-look.png");
        var page = clients.StepThroughInBrowser(server, "first-look.ipynb", screenshot);
        Assert.Equal("C# (runbook)", page["kernel"]!.GetValue<string>());
        Assert.Empty(JupyterClients.PageDiffers(page, expected));
        Assert.True(new FileInfo(screenshot).Length > 0);
    }
}
