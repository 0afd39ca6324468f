using System.CommandLine;

namespace Runbooks.Cli;

public static class RunbookCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("runbook: executable, reviewable runbooks for infrastructure debugging.");
        root.Subcommands.Add(KernelCommand.Create());
        root.Options.Add(CliContext.Config);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(StepCommand.Create());
        root.Subcommands.Add(DescribeCommand.Create());
        root.Subcommands.Add(LabCommand.Create());
        root.Subcommands.Add(PlotCommand.Create());
        root.Subcommands.Add(AutoextendCommand.Create());
        root.Subcommands.Add(Verb("capture", "Capture a challenge's machines' state (one round trip each).", NetworkCommands.Capture(), StorageCommands.Capture()));
        root.Subcommands.Add(Verb("diagnose", "Diagnose a challenge's machines from their state.", NetworkCommands.Diagnose(), StorageCommands.Diagnose()));
        root.Subcommands.Add(Verb("fix", "Plan and apply the fixes; --check prints the plan and changes nothing.", NetworkCommands.Fix(), StorageCommands.Fix()));
        return root;
    }

    private static Command Verb(string name, string description, params Command[] subjects)
    {
        var verb = new Command(name, description);
        foreach (var subject in subjects)
            verb.Subcommands.Add(subject);
        return verb;
    }

    /// <summary>Parses and runs; a command line that does not parse is bad input (exit 2), not a failed runbook (exit 1).</summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        var parsed = Create().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                await Console.Error.WriteLineAsync($"runbook: {error.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Try 'runbook --help', or 'runbook COMMAND --help'.").ConfigureAwait(false);
            return CliContext.BadInput;
        }
        return await parsed.InvokeAsync().ConfigureAwait(false);
    }
}
