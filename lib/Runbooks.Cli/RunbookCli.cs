using System.CommandLine;

namespace Runbooks.Cli;

public static class RunbookCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("runbook: executable, reviewable runbooks for infrastructure debugging.");
        root.Subcommands.Add(KernelCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        return root;
    }

    public static Task<int> InvokeAsync(string[] args) => Create().Parse(args).InvokeAsync();
}
