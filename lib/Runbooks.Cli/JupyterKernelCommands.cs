using System.CommandLine;
using Runbooks.Jupyter;
using Runbooks.Jupyter.Protocol;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Cli;

/// <summary>`runbook kernel install` and `runbook kernel jupyter`: the engine's kernel for Jupyter clients (docs/vscode.md).</summary>
internal static class JupyterKernelCommands
{
    public static Command Install()
    {
        var user = new Option<bool>("--user") { Description = "Install for this user: $JUPYTER_DATA_DIR, or ~/.local/share/jupyter (the default)." };
        var sysPrefix = new Option<bool>("--sys-prefix") { Description = "Install into the Python environment Jupyter runs in (sys.prefix/share/jupyter)." };
        var prefix = new Option<string?>("--prefix") { Description = "Install into PREFIX/share/jupyter.", HelpName = "PREFIX" };
        var command = new Command("install", $"Write the Jupyter kernelspec '{KernelSpec.Name}' so VS Code's Jupyter extension, Jupyter Notebook and nbclient run runbooks with this engine.")
        {
            user, sysPrefix, prefix,
        };
        command.SetAction(result =>
        {
            var chosen = new[] { result.GetValue(user), result.GetValue(sysPrefix), result.GetValue(prefix) is not null }.Count(c => c);
            if (chosen > 1)
            {
                Console.Error.WriteLine("runbook: choose one of --user, --sys-prefix and --prefix PREFIX.");
                return CliContext.BadInput;
            }
            KernelSpecLocation location = result.GetValue(prefix) is { } path ? new KernelSpecLocation.Prefix(path)
                : result.GetValue(sysPrefix) ? new KernelSpecLocation.SysPrefix()
                : new KernelSpecLocation.User();
            try
            {
                var folder = KernelSpec.Install(location, KernelLauncher.Default());
                Console.WriteLine($"installed the kernelspec '{KernelSpec.Name}' ({KernelSpec.DisplayName}) in {folder}");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or FileNotFoundException)
            {
                Console.Error.WriteLine($"runbook: {e.Message}");
                return CliContext.BadInput;
            }
        });
        return command;
    }

    public static Command Jupyter()
    {
        var connectionFile = new Option<string>("--connection-file", "-f") { Required = true, Description = "The connection file the Jupyter client wrote (ports and signing key)." };
        var command = new Command(KernelSpec.JupyterCommand, "Serve the Jupyter messaging protocol (what the kernelspec starts; not run by hand).") { connectionFile };
        command.SetAction(async (result, cancellationToken) =>
        {
            ConnectionInfo connection;
            try
            {
                connection = ConnectionInfo.Read(result.GetValue(connectionFile)!);
            }
            catch (InvalidDataException e)
            {
                Console.Error.WriteLine($"runbook: {e.Message}");
                return CliContext.BadInput;
            }
            var log = Console.Error;
            return await new JupyterKernel(connection, log).RunAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
