using System.CommandLine;
using Runbooks.Catalogue;
using Runbooks.Notebooks.Formats;
using Runbooks.Notebooks.Parameters;
using Runbooks.Notebooks.Runs;

namespace Runbooks.Cli;

/// <summary>What every command shares: --config, loading the catalogue, and turning bad input into exit code 2 with one clear message.</summary>
internal static class CliContext
{
    public const int Succeeded = 0;
    public const int RunbookFailed = 1;
    public const int BadInput = 2;
    /// <summary>The machine or the volume could not be used: unreachable, refused, a missing tool, another grower.</summary>
    public const int MachineUnusable = 3;
    /// <summary>Stopped by SIGTERM or Ctrl+C: 128 + SIGINT, what a shell reports for an interrupted command.</summary>
    public const int Stopped = 130;

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "The catalogue (nbconfig.json); default: the nearest one in this folder or above.",
        Recursive = true,
    };

    /// <summary>The catalogue named by --config, or found above the current folder; null if there is none and none was asked for.</summary>
    public static RunbookCatalogue? LoadCatalogue(ParseResult result)
    {
        if (result.GetValue(Config) is { } path)
            return CatalogueLoader.Load(path);
        try
        {
            return CatalogueLoader.Load(CatalogueLoader.Discover(Environment.CurrentDirectory));
        }
        catch (CatalogueException e) when (e.Problems.All(p => p.Line is null) && !HasCatalogueAbove(Environment.CurrentDirectory))
        {
            return null;
        }
    }

    private static bool HasCatalogueAbove(string directory)
    {
        for (var d = new DirectoryInfo(directory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, CatalogueLoader.FileName)))
                return true;
        return false;
    }

    /// <summary>The parameters of a runbook's profile, read as the CLI's library commands need them.</summary>
    /// <exception cref="KeyNotFoundException">No catalogue, no such runbook or profile (with did-you-mean).</exception>
    public static ProfileValues ProfileParameters(ParseResult result, string runbook, string profileName)
    {
        var catalogue = LoadCatalogue(result)
            ?? throw new KeyNotFoundException($"no nbconfig.json here or above: the machines are named by a profile of the \"{runbook}\" runbook in it (or use --config PATH).");
        return new ProfileValues(runbook, catalogue.Find(runbook).Profile(profileName));
    }

    public static RunPlanner Planner(ParseResult result) => new(LoadCatalogue(result), Environment.CurrentDirectory);

    /// <summary>Parses and runs; a command line that does not parse is bad input (exit 2), not a failed runbook (exit 1).</summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                await Console.Error.WriteLineAsync($"runbook: {error.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Try 'runbook --help', or 'runbook COMMAND --help'.").ConfigureAwait(false);
            return BadInput;
        }
        return await parsed.InvokeAsync(s_invocation).ConfigureAwait(false);
    }

    /// <summary>
    /// SIGTERM and Ctrl+C cancel the command's token and give it up to <see cref="StopGrace"/> to finish. Without a
    /// timeout set, System.CommandLine 2.0.0 leaves the signals to .NET, which ends the process at once: a grower told
    /// to stop (by init, systemd, `autoextend install`'s restart or `uninstall`) died between lvextend and resize2fs
    /// instead of finishing the grow it had begun.
    /// </summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(60);

    private static readonly InvocationConfiguration s_invocation = new() { ProcessTerminationTimeout = StopGrace };

    /// <summary>Runs a command body; the errors that mean "you asked for something wrong" print one message and exit 2.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (e is CatalogueException or KeyNotFoundException or RunException or ParameterException or NotebookFormatException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"runbook: {e.Message} Check that the output folder exists and is writable (-o).").ConfigureAwait(false);
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            // The token is cancelled only by SIGTERM or Ctrl+C (see StopGrace); steps that had begun were finished.
            await Console.Error.WriteLineAsync("runbook: stopped by SIGTERM or Ctrl+C before it finished; what it had done stays done.").ConfigureAwait(false);
            return Stopped;
        }
    }
}

/// <summary>A profile's parameter values, typed on the way out; a value of the wrong type is bad input naming the key.</summary>
internal sealed class ProfileValues(string runbook, CatalogueProfile profile)
{
    public string Text(string key, string fallback) =>
        profile.Parameters.TryGetValue(key, out var v) ? v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString()! : throw Wrong(key, "a string", v) : fallback;

    public int Number(string key, int fallback) =>
        profile.Parameters.TryGetValue(key, out var v) ? v.ValueKind == System.Text.Json.JsonValueKind.Number && v.TryGetInt32(out var n) ? n : throw Wrong(key, "a whole number", v) : fallback;

    private KeyNotFoundException Wrong(string key, string expected, System.Text.Json.JsonElement value) =>
        new($"profile \"{profile.Name}\" of \"{runbook}\": \"{key}\" must be {expected}, not {value.GetRawText()}");
}
