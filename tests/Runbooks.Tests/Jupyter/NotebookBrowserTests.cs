using System.Text.Json.Nodes;
using Runbooks.Tests.Cli;

namespace Runbooks.Tests.Jupyter;

/// <summary>
/// End to end: Debian's Jupyter Notebook server and headless chromium (playwright-core) step through a runbook cell
/// by cell as an engineer does; the page must name the runbook kernel (picked from the notebook's metadata) and show
/// each cell's output. The screenshot is kept in artifacts/jupyter/ for CI.
/// </summary>
public class NotebookBrowserTests
{
    private const string PlaywrightVersion = "1.65.2"; // scripts/install-deps.sh NPM_FILES

    [Fact]
    public async Task Jupyter_Notebook_in_chromium_steps_through_first_look_with_the_runbook_kernel()
    {
        using var clients = new JupyterClients();
        using var work = new TempFolder();
        // A copy: the server autosaves what it shows, and the repository's runbook must stay as it is.
        var runbooks = work.Combine("runbooks");
        CopyFolder(Path.Combine(JupyterClients.RepositoryRoot, "runbooks"), runbooks);
        var expected = work.Combine("first-look.runbook.ipynb");
        var runbook = Runbook.Run(JupyterClients.RepositoryRoot, "run", Path.Combine(runbooks, "first-look.ipynb"), "-o", expected);
        Assert.True(runbook.ExitCode == 0, runbook.Output);

        using var server = await NotebookServer.StartAsync(clients, runbooks);
        var screenshot = Path.Combine(JupyterClients.RepositoryRoot, "artifacts", "jupyter", "first-look.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        var browser = clients.Run("node", null, Path.Combine(AppContext.BaseDirectory, "Jupyter", "Clients", "notebook_browser.js"),
            PlaywrightFolder(), server.Url("first-look.ipynb"), screenshot);
        Assert.True(browser.ExitCode == 0, browser.Output);

        var page = JsonNode.Parse(browser.Stdout)!;
        Assert.Equal("C# (runbook)", page["kernel"]!.GetValue<string>());
        var shown = page["cells"]!.AsArray();
        var codeCells = JsonNode.Parse(File.ReadAllText(expected))!["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
        Assert.Equal(codeCells.Count, shown.Count);
        for (var i = 0; i < shown.Count; i++)
        {
            Assert.Equal($"In [{i + 1}]:", shown[i]!["prompt"]!.GetValue<string>().Replace("\u00a0", " ", StringComparison.Ordinal));
            Assert.False(shown[i]!["error"]!.GetValue<bool>(), $"cell {i + 1} shows an error: {shown[i]!["output"]}");
            // Each cell shows output exactly when `runbook run` recorded some, and its first line of text.
            var outputs = codeCells[i]!["outputs"]!.AsArray();
            var text = shown[i]!["output"]!.GetValue<string>();
            Assert.True(outputs.Count > 0 == text.Length > 0, $"cell {i + 1}: runbook run recorded {outputs.Count} outputs, the page shows '{text}'");
            if (outputs.FirstOrDefault(o => o!["output_type"]!.GetValue<string>() == "stream") is { } stream)
                Assert.Contains(JupyterClients.Text(stream["text"]!).Split('\n')[0].Trim(), text);
        }
        Assert.True(new FileInfo(screenshot).Length > 0);
    }

    private static string PlaywrightFolder()
    {
        var cache = Environment.GetEnvironmentVariable("RUNBOOK_NPM_CACHE") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "runbook", "npm");
        var folder = Path.Combine(cache, "playwright-core", PlaywrightVersion);
        Assert.True(Directory.Exists(folder), $"{folder} is missing: run scripts/install-deps.sh jupyter");
        return folder;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
