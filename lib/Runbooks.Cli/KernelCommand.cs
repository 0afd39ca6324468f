using System.CommandLine;
using System.Diagnostics;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Cli;

/// <summary>
/// `runbook kernel`: the process that runs a notebook's cells, started by the engine (`--connect`) or, as a Jupyter
/// kernel, by a Jupyter client (`kernel jupyter`, after `kernel install` wrote its kernelspec).
/// </summary>
internal static class KernelCommand
{
    public static Command Create()
    {
        var connect = new Option<string>("--connect") { Required = true, Description = "Unix socket the engine listens on (internal)." };
        var parentPid = new Option<int?>("--parent-pid") { Description = "Exit when this process is gone." };
        var command = new Command(Notebooks.Execution.KernelLauncher.KernelCommand, "The C# kernel: 'kernel install' writes its Jupyter kernelspec (docs/vscode.md); with --connect it runs cells for the engine (internal).");
        command.Options.Add(connect);
        command.Options.Add(parentPid);
        command.Subcommands.Add(JupyterKernelCommands.Install());
        command.Subcommands.Add(JupyterKernelCommands.Jupyter());
        command.SetAction(async (result, _) =>
        {
            if (result.GetValue(parentPid) is { } pid)
                WatchParent(pid);
            return await KernelServer.RunAsync(result.GetValue(connect)!).ConfigureAwait(false);
        });
        return command;
    }

    // A cell stuck in a CPU loop never returns to read the socket, so an orphaned kernel would spin
    // forever: check the engine's process instead, and leave with it.
    private static void WatchParent(int pid)
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(1000);
                try
                {
                    using var parent = Process.GetProcessById(pid);
                    if (parent.HasExited)
                        Environment.Exit(3);
                }
                catch (ArgumentException)
                {
                    Environment.Exit(3);
                }
            }
        }) { IsBackground = true, Name = "parent-watch" };
        thread.Start();
    }
}
