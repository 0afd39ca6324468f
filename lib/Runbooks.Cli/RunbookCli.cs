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
        return root;
    }

    public static Task<int> InvokeAsync(string[] args) => Create().Parse(args).InvokeAsync();
}
