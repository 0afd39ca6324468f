using System.Diagnostics;
using System.Text.Json.Nodes;
using Runbooks.Jupyter;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Tests.Jupyter;

/// <summary>
/// Debian's Jupyter clients (jupyter_client, nbclient under /usr/bin/python3, jupyter console, Jupyter Notebook with
/// chromium), pointed at the runbook kernel built next to the tests through a kernelspec installed in a scratch prefix
/// (JUPYTER_PATH), never the user's own. Shared by the unit tests and the lab tests (linked there).
/// </summary>
internal sealed class JupyterClients : IDisposable
{
    private const string PlaywrightVersion = "1.65.2"; // scripts/install-deps.sh NPM_FILES

    private readonly string _prefix = Directory.CreateTempSubdirectory("runbook-kernelspec-").FullName;

    public JupyterClients() => KernelSpec.Install(new KernelSpecLocation.Prefix(_prefix), KernelLauncher.Default());

    public string JupyterPath => Path.Combine(_prefix, "share", "jupyter");

    public static string RepositoryRoot
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "nbconfig.json")) && Directory.Exists(Path.Combine(folder.FullName, "runbooks")))
                    return folder.FullName;
            }
            throw new DirectoryNotFoundException($"no repository (nbconfig.json and runbooks/) above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Runs one of the Python scripts in Jupyter/Clients; returns its exit code, stdout and stderr.</summary>
    public Processes.Outcome Python(string script, params string[] arguments) =>
        Run("/usr/bin/python3", null, [Path.Combine(AppContext.BaseDirectory, "Jupyter", "Clients", script), .. arguments]);

    /// <summary>Runs a Jupyter program that finds the kernelspec through JUPYTER_PATH, with <paramref name="stdin"/> as its input.</summary>
    public Processes.Outcome Run(string program, string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(program);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["JUPYTER_PATH"] = JupyterPath;
        start.Environment["JUPYTER_PLATFORM_DIRS"] = "1";
        return Processes.Run(start, stdin, TimeSpan.FromMinutes(10));
    }

    /// <summary>What each code cell put out, one line per output: its type, stream name or MIME types, error name.</summary>
    public static IReadOnlyList<string> OutputShapes(string notebookPath)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(notebookPath))!;
        return [.. notebook["cells"]!.AsArray()
            .Where(cell => cell!["cell_type"]!.GetValue<string>() == "code")
            .Select((cell, index) => $"cell {index + 1}: " + string.Join("; ", MergeStreams(cell!["outputs"]!.AsArray().Select(Shape))))];
    }

    /// <summary>nbformat's multiline text: a string, or a list of lines.</summary>
    public static string Text(JsonNode node) => node is JsonArray lines ? string.Concat(lines.Select(l => l!.GetValue<string>())) : node.GetValue<string>();

    // Consecutive writes to one stream are one text, however many messages carried them (nbclient 0.7 keeps each
    // message an output of its own; `runbook run` joins them as Jupyter's front ends show them).
    private static IEnumerable<string> MergeStreams(IEnumerable<string> shapes)
    {
        string? previous = null;
        foreach (var shape in shapes)
        {
            if (shape.StartsWith("stream ", StringComparison.Ordinal) && shape == previous)
                continue;
            previous = shape;
            yield return shape;
        }
    }

    private static string Shape(JsonNode? output)
    {
        var type = output!["output_type"]!.GetValue<string>();
        return type switch
        {
            "stream" => $"stream {output["name"]}",
            "error" => $"error {output["ename"]}",
            _ => $"{type} {string.Join(",", output["data"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal))}",
        };
    }

    /// <summary>Steps through a notebook the server shows, in headless chromium (Clients/notebook_browser.js); returns what the page showed.</summary>
    public JsonNode StepThroughInBrowser(NotebookServer server, string notebook, string screenshot, int cellTimeoutSeconds = 180)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        var browser = Run("node", null, Path.Combine(AppContext.BaseDirectory, "Jupyter", "Clients", "notebook_browser.js"),
            PlaywrightFolder(), server.Url(notebook), screenshot, cellTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (browser.ExitCode != 0)
            throw new InvalidOperationException($"the browser could not step through {notebook}: {browser.Output}");
        return JsonNode.Parse(browser.Stdout)!;
    }

    /// <summary>
    /// Where the page differs from `runbook run`'s executed copy: a code cell not run in order, an error shown, output
    /// shown where none was recorded or none where some was, or the first word of its text missing.
    /// </summary>
    public static IReadOnlyList<string> PageDiffers(JsonNode page, string executedCopy)
    {
        var problems = new List<string>();
        var shown = page["cells"]!.AsArray();
        var recorded = JsonNode.Parse(File.ReadAllText(executedCopy))!["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
        if (recorded.Count != shown.Count)
            problems.Add($"the page ran {shown.Count} code cells, runbook run {recorded.Count}");
        for (var i = 0; i < Math.Min(shown.Count, recorded.Count); i++)
        {
            var prompt = shown[i]!["prompt"]!.GetValue<string>().Replace("\u00a0", " ", StringComparison.Ordinal);
            var text = shown[i]!["output"]!.GetValue<string>();
            var outputs = recorded[i]!["outputs"]!.AsArray();
            if (prompt != $"In [{i + 1}]:")
                problems.Add($"cell {i + 1}: prompt '{prompt}'");
            if (shown[i]!["error"]!.GetValue<bool>())
                problems.Add($"cell {i + 1} shows an error: {text}");
            if (outputs.Count > 0 != text.Length > 0)
                problems.Add($"cell {i + 1}: runbook run recorded {outputs.Count} outputs, the page shows '{text}'");
            // The first word of its text: the machine's state (listening sockets, free space) can change between the two runs.
            if (outputs.FirstOrDefault(o => o!["output_type"]!.GetValue<string>() == "stream") is { } stream
                && Text(stream["text"]!).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } first
                && !text.Contains(first, StringComparison.Ordinal))
                problems.Add($"cell {i + 1}: the page lacks '{first}', the first word runbook run recorded");
        }
        return problems;
    }

    private static string PlaywrightFolder()
    {
        var cache = Environment.GetEnvironmentVariable("RUNBOOK_NPM_CACHE") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "runbook", "npm");
        var folder = Path.Combine(cache, "playwright-core", PlaywrightVersion);
        return Directory.Exists(folder) ? folder : throw new DirectoryNotFoundException($"{folder} is missing: run scripts/install-deps.sh jupyter");
    }

    /// <summary>A copy of the runbooks folder (with what they #load): a Notebook server autosaves what it shows.</summary>
    public static string CopyOfRunbooks(string into)
    {
        var from = Path.Combine(RepositoryRoot, "runbooks");
        var to = Path.Combine(into, "runbooks");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
