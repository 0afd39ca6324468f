using System.Diagnostics;
using System.Text.Json.Nodes;
using Runbooks.Jupyter;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Tests.Jupyter;

/// <summary>
/// Debian's Jupyter clients (jupyter_client, nbclient under /usr/bin/python3), pointed at the runbook kernel built
/// next to the tests through a kernelspec installed in a scratch prefix (JUPYTER_PATH), never the user's own.
/// </summary>
internal sealed class JupyterClients : IDisposable
{
    private readonly TempFolder _prefix = new();

    public JupyterClients() => KernelSpec.Install(new KernelSpecLocation.Prefix(_prefix.Path), KernelLauncher.Default());

    public string JupyterPath => Path.Combine(_prefix.Path, "share", "jupyter");

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
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["JUPYTER_PATH"] = JupyterPath;
        start.Environment["JUPYTER_PLATFORM_DIRS"] = "1";
        using var process = Process.Start(start)!;
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran over 10 minutes");
        }
        return new Processes.Outcome(process.ExitCode, stdout.Result + stderr.Result, stdout.Result, stderr.Result);
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

    public void Dispose() => _prefix.Dispose();
}
