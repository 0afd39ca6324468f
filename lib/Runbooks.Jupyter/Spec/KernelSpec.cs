using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Jupyter;

/// <summary>Where `runbook kernel install` puts the kernelspec, as `jupyter kernelspec install` names them.</summary>
public abstract record KernelSpecLocation
{
    /// <summary>The user's Jupyter data folder: $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter.</summary>
    public sealed record User : KernelSpecLocation;

    /// <summary>The data folder of the Python environment Jupyter runs in (sys.prefix/share/jupyter).</summary>
    public sealed record SysPrefix : KernelSpecLocation;

    public sealed record Prefix(string Path) : KernelSpecLocation;
}

/// <summary>
/// The kernelspec that lets Jupyter clients (VS Code's Jupyter extension, Jupyter Notebook, nbclient) start
/// `runbook kernel jupyter`. Its name is the one the runbooks' metadata.kernelspec carries, so a client opens
/// a runbook with this kernel without being asked.
/// </summary>
public static class KernelSpec
{
    public const string Name = "runbook-csharp";
    public const string DisplayName = "C# (runbook)";
    public const string Language = "csharp";
    public const string JupyterCommand = "jupyter";

    /// <summary>kernel.json: the command Jupyter runs with {connection_file} filled in.</summary>
    public static JsonObject Document(KernelLauncher launcher) => new()
    {
        ["argv"] = new JsonArray([.. new[] { launcher.FileName }.Concat(launcher.LeadingArguments).Concat([JupyterCommand, "--connection-file", "{connection_file}"]).Select(a => (JsonNode?)JsonValue.Create(a))]),
        ["display_name"] = DisplayName,
        ["language"] = Language,
        ["interrupt_mode"] = "message",
        ["metadata"] = new JsonObject { ["debugger"] = false },
    };

    /// <summary>Writes the kernelspec folder (kernel.json and the logo); returns it. Replaces one written before.</summary>
    public static string Install(KernelSpecLocation location, KernelLauncher launcher)
    {
        var folder = Path.Combine(DataFolder(location), "kernels", Name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "kernel.json"), Document(launcher).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        using var logo = typeof(KernelSpec).Assembly.GetManifestResourceStream("Runbooks.Jupyter.logo-64x64.png")
            ?? throw new InvalidOperationException("the kernel logo is missing from Runbooks.Jupyter (an embedded resource; a build problem).");
        using var file = File.Create(Path.Combine(folder, "logo-64x64.png"));
        logo.CopyTo(file);
        return folder;
    }

    public static string DataFolder(KernelSpecLocation location) => location switch
    {
        KernelSpecLocation.Prefix prefix => Path.Combine(Path.GetFullPath(prefix.Path), "share", "jupyter"),
        KernelSpecLocation.SysPrefix => Path.Combine(PythonPrefix(), "share", "jupyter"),
        _ => Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } data ? data
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"), "jupyter"),
    };

    // A virtual environment or conda names its prefix; otherwise the python3 on PATH says where it lives.
    private static string PythonPrefix()
    {
        foreach (var variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } prefix)
                return prefix;
        }
        var start = new ProcessStartInfo("python3", ["-c", "import sys; print(sys.prefix)"]) { RedirectStandardOutput = true, UseShellExecute = false };
        try
        {
            using var python = Process.Start(start)!;
            var prefix = python.StandardOutput.ReadToEnd().Trim();
            python.WaitForExit();
            if (python.ExitCode == 0 && prefix.Length > 0)
                return prefix;
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        throw new InvalidOperationException("--sys-prefix needs the Python that runs Jupyter: no VIRTUAL_ENV or CONDA_PREFIX is set and 'python3 -c \"import sys; print(sys.prefix)\"' did not answer. Use --user or --prefix PATH instead.");
    }
}
