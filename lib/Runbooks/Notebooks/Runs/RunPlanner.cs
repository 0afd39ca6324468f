using System.Text.RegularExpressions;
using Runbooks.Catalogue;
using Runbooks.Notebooks.Execution;
using Runbooks.Notebooks.Formats;
using Runbooks.Notebooks.Parameters;
using Runbooks.Redaction;

namespace Runbooks.Notebooks.Runs;

/// <summary>
/// Turns a <see cref="RunRequest"/> into a <see cref="PreparedRun"/>: finds the notebook (path or
/// catalogue name), picks the profile, injects parameters, and settles timeouts, output path and redaction.
/// Every problem is found here, before any cell runs.
/// </summary>
public sealed partial class RunPlanner(RunbookCatalogue? catalogue, string workingDirectory)
{
    public const string DefaultArtifactsFolder = "artifacts/notebooks";

    public RunbookCatalogue? Catalogue => catalogue;

    public string ArtifactsDirectory => catalogue?.ArtifactsDirectory ?? Path.Combine(workingDirectory, DefaultArtifactsFolder);

    public PreparedRun Prepare(RunRequest request, ExecutionOptions baseOptions, bool outputIsFolder = false)
    {
        var (name, path, entry) = Resolve(request.Target);
        var notebook = NotebookFile.Read(path);

        CatalogueProfile? profile = null;
        if (request.Profile is { } profileName)
        {
            if (entry is null)
                throw new RunException($"--profile {profileName}: '{request.Target}' is not in {CatalogueName()}, so it has no profiles. Add it under \"notebooks\", or pass values with -p name=value.");
            profile = entry.Profile(profileName);
        }

        var values = new List<KeyValuePair<string, ParameterValue>>();
        foreach (var (key, value) in profile?.Parameters ?? new Dictionary<string, System.Text.Json.JsonElement>())
            values.Add(new(key, ParameterValue.FromJson(value)));
        foreach (var (key, value) in request.Parameters)
        {
            values.RemoveAll(v => v.Key == key);
            values.Add(new(key, ParameterValue.FromText(value)));
        }
        var origin = string.Join(", ", new[] { profile is null ? null : $"profile '{profile.Name}'", request.Parameters.Count > 0 ? "-p" : null }.OfType<string>());
        var prepared = ParameterInjector.Inject(notebook, values, origin);

        var redactor = Redactor.Default
            .WithPatterns((catalogue?.Redactions ?? []).Select(r => (r.Name, r.Pattern)))
            .WithPatterns(values.Where(v => LooksSecret(v.Key)).Select(v => ($"parameter-{v.Key}", Regex.Escape(SecretText(v.Value)))).Where(p => p.Item2.Length > 0));

        var options = baseOptions with
        {
            CellTimeout = request.CellTimeout ?? entry?.CellTimeout ?? catalogue?.Defaults.CellTimeout ?? baseOptions.CellTimeout,
            NotebookTimeout = request.Timeout ?? entry?.Timeout ?? catalogue?.Defaults.Timeout ?? baseOptions.NotebookTimeout,
            ContinueOnError = request.ContinueOnError || baseOptions.ContinueOnError,
            SkipUnsupportedKernels = request.SkipUnsupportedKernels || baseOptions.SkipUnsupportedKernels,
            Redact = redactor.Redact,
        };

        var output = OutputPath(request, name, outputIsFolder);
        if (string.Equals(Path.GetFullPath(output), path, StringComparison.Ordinal) && !request.InPlace)
            throw new RunException($"the executed copy would overwrite the source notebook {path}; choose another -o, or pass --in-place to replace it on purpose.");
        EnsureWritable(output);
        return new PreparedRun(name, path, output, entry, profile?.Name, prepared, options);
    }

    // Finding out after an hour of cells that the copy cannot be written would lose the hour: try first.
    private static void EnsureWritable(string output)
    {
        var directory = Path.GetDirectoryName(output)!;
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".runbook-write-test.{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunException($"cannot write the executed copy to {directory}: {e.Message} Check that the output folder exists and is writable (-o).");
        }
    }

    /// <summary>The notebook a target names: a path, or a catalogue name (with a suggestion when it is neither).</summary>
    public (string Name, string Path, CatalogueNotebook? Entry) Resolve(string target)
    {
        var candidate = Path.GetFullPath(target, workingDirectory);
        if (File.Exists(candidate))
        {
            var entry = catalogue?.Notebooks.FirstOrDefault(n => n.Path == candidate);
            return (entry?.Name ?? Path.GetFileNameWithoutExtension(candidate), candidate, entry);
        }
        if (target.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) || target.EndsWith(".dib", StringComparison.OrdinalIgnoreCase) || target.Contains('/'))
            throw new RunException($"{candidate}: no such notebook file.");
        if (catalogue is null)
            throw new RunException($"'{target}' is not a notebook file, and there is no nbconfig.json here or above {workingDirectory} to look it up in; give a path, or --config PATH.");
        try
        {
            var named = catalogue.Find(target);
            return (named.Name, named.Path, named);
        }
        catch (KeyNotFoundException e)
        {
            throw new RunException($"'{target}' is not a notebook file, and {e.Message}");
        }
    }

    private string OutputPath(RunRequest request, string name, bool outputIsFolder)
    {
        if (request.Output is null)
            return Path.Combine(ArtifactsDirectory, name + ".ipynb");
        var output = Path.GetFullPath(request.Output, workingDirectory);
        return outputIsFolder || Directory.Exists(output) || request.Output.EndsWith('/')
            ? Path.Combine(output, name + ".ipynb")
            : output;
    }

    private string CatalogueName() => catalogue?.SourcePath ?? CatalogueLoader.FileName;

    /// <summary>Parameters whose values must not appear in the executed copy, by their name.</summary>
    public static bool LooksSecret(string parameterName) => SecretName().IsMatch(parameterName);

    [GeneratedRegex("(?i)(password|passphrase|secret|token|private_?key|api_?key|credential)")]
    private static partial Regex SecretName();

    private static string SecretText(ParameterValue value) => value switch
    {
        ParameterValue.Text t => t.Value,
        ParameterValue.Json { Value.ValueKind: System.Text.Json.JsonValueKind.String } j => j.Value.GetString() ?? string.Empty,
        ParameterValue.Json j => j.Value.GetRawText(),
        _ => string.Empty,
    };
}
