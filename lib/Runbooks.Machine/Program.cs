using System.CommandLine;
using Runbooks.Cli;

var root = new RootCommand("runbook (the build installed on a machine): keeps its volumes from filling and plots their growth. The full tool, with the runbooks, is where the runbooks are.");
root.Subcommands.Add(AutoextendCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
return await CliContext.InvokeAsync(root, args).ConfigureAwait(false);
