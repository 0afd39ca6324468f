using System.CommandLine;
using System.Globalization;
using Runbooks.Notebooks.Execution;
using Runbooks.Notebooks.Formats;
using Runbooks.Notebooks.Runs;
using Runbooks.Reports;

namespace Runbooks.Cli;

/// <summary>`runbook run`: execute notebooks headlessly and write the executed copies.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var targets = new Argument<string[]>("notebook") { Description = "Notebook paths (.ipynb, .dib) or names from nbconfig.json.", Arity = ArgumentArity.ZeroOrMore };
        var ci = new Option<bool>("--ci") { Description = "Run every notebook nbconfig.json marks \"ci\": true, each with its ciProfile." };
        var profile = new Option<string?>("--profile") { Description = "The nbconfig.json profile whose parameters to inject." };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "A parameter value, name=value; overrides the profile. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--output", "-o") { Description = $"Where the executed copy goes: a file, or a folder (default: the catalogue's artifacts folder, else ./{RunPlanner.DefaultArtifactsFolder})." };
        var inPlace = new Option<bool>("--in-place") { Description = "Allow the executed copy to replace the source notebook." };
        var cellTimeout = new Option<double?>("--cell-timeout") { Description = "Seconds one cell may run (default: nbconfig.json, else 300)." };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds the whole notebook may run (default: nbconfig.json, else 1800)." };
        var continueOnError = new Option<bool>("--continue-on-error") { Description = "Run the cells after a failed one." };
        var skipUnsupported = new Option<bool>("--skip-unsupported-kernels") { Description = "Skip and report cells of kernels other than C# instead of failing." };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report (one test case per cell) here." };

        var command = new Command("run", "Execute runbooks headlessly; writes each executed notebook and exits non-zero if a cell failed.");
        command.Arguments.Add(targets);
        foreach (var option in new Option[] { ci, profile, parameters, output, inPlace, cellTimeout, timeout, continueOnError, skipUnsupported, junit })
            command.Options.Add(option);

        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            // The kernel's start (about a second, mostly the compiler warming up) runs on the other
            // core while this process reads the catalogue and the notebooks.
            var firstKernel = KernelProcess.StartAsync(KernelLauncher.Default(), cancellationToken);
            try
            {
                return await RunAsync(result, firstKernel, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await NotebookExecutor.DisposeUnusedAsync(firstKernel).ConfigureAwait(false);
            }
        }));
        return command;

        async Task<int> RunAsync(ParseResult result, Task<KernelProcess> firstKernel, CancellationToken cancellationToken)
        {
            var planner = CliContext.Planner(result);
            var requests = Requests(planner, result.GetValue(targets) ?? [], result.GetValue(ci), result.GetValue(profile), ParseParameters(result.GetValue(parameters) ?? []));
            var common = new RunRequest
            {
                Target = string.Empty,
                Output = result.GetValue(output),
                InPlace = result.GetValue(inPlace),
                CellTimeout = Seconds(result.GetValue(cellTimeout), "--cell-timeout"),
                Timeout = Seconds(result.GetValue(timeout), "--timeout"),
                ContinueOnError = result.GetValue(continueOnError),
                SkipUnsupportedKernels = result.GetValue(skipUnsupported),
            };
            // Everything is resolved before the first cell runs, so a typo in the last notebook's name costs nothing.
            var prepared = requests
                .Select(r => planner.Prepare(common with { Target = r.Target, Profile = r.Profile, Parameters = r.Parameters }, new ExecutionOptions(), outputIsFolder: requests.Count > 1))
                .ToList();

            var runs = new List<(string Name, NotebookRunResult Result)>();
            foreach (var run in prepared)
            {
                using var progress = new ProgressReporter(Console.Error, ProgressReporter.TerminalAttached, run.Name, run.Options.Redact);
                var executed = await new NotebookExecutor(run.Options with { Observer = progress })
                    .ExecuteAsync(run.Notebook, Path.GetDirectoryName(run.SourcePath)!, cancellationToken, runs.Count == 0 ? firstKernel : null).ConfigureAwait(false);
                NotebookFile.WriteIpynb(executed.Executed, run.OutputPath);
                runs.Add((run.Name, executed));
                var verdict = executed.Succeeded ? "ok" : $"FAILED at cell {executed.FirstFailure!.Number}";
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Name}: {verdict} in {executed.Duration.TotalSeconds:0.00}s{(run.ProfileName is { } p ? $" (profile {p})" : "")}; executed copy: {Path.GetRelativePath(Environment.CurrentDirectory, run.OutputPath)}")).ConfigureAwait(false);
                // Stopped by a signal: the copy of this notebook is written; the next ones do not start.
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (result.GetValue(junit) is { } junitPath)
                JUnitReport.Write(runs, junitPath);
            return runs.All(r => r.Result.Succeeded) ? CliContext.Succeeded : CliContext.RunbookFailed;
        }
    }

    private static List<RunRequest> Requests(RunPlanner planner, string[] targets, bool ci, string? profile, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        if (ci)
        {
            if (targets.Length > 0)
                throw new RunException("--ci runs the notebooks nbconfig.json lists for CI; give either --ci or notebook names, not both.");
            var catalogue = planner.Catalogue ?? throw new RunException("--ci needs nbconfig.json (none found here or above; pass --config PATH).");
            var listed = catalogue.Notebooks.Where(n => n.Ci).ToList();
            if (listed.Count == 0)
                throw new RunException($"{catalogue.SourcePath} marks no notebook \"ci\": true.");
            return [.. listed.Select(n => new RunRequest { Target = n.Name, Profile = profile ?? n.CiProfile, Parameters = parameters })];
        }
        if (targets.Length == 0)
            throw new RunException("name at least one notebook (a path or a name from nbconfig.json), or pass --ci.");
        return [.. targets.Select(t => new RunRequest { Target = t, Profile = profile, Parameters = parameters })];
    }

    public static IReadOnlyList<KeyValuePair<string, string>> ParseParameters(IEnumerable<string> values) =>
        [.. values.Select(value =>
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new RunException($"-p {value}: expected name=value, e.g. -p host=client.");
            return new KeyValuePair<string, string>(value[..equals].Trim(), value[(equals + 1)..]);
        })];

    private static TimeSpan? Seconds(double? value, string option) => value switch
    {
        null => null,
        > 0 and < 1e7 => TimeSpan.FromSeconds(value.Value),
        _ => throw new RunException($"{option} {value}: expected a number of seconds greater than 0."),
    };
}
