using System.CommandLine;
using Runbooks.Hosts;

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
        SshTarget ProfileTarget(ParseResult result, string profile) => StorageCommands.Resolve(result, profile).Target;
        root.Subcommands.Add(AutoextendCommand.Create(ProfileTarget, AutoextendInstallCommand.Create(ProfileTarget), AutoextendInstallCommand.CreateUninstall(ProfileTarget)));
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

    public static Task<int> InvokeAsync(string[] args) => CliContext.InvokeAsync(Create(), args);
}
