using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Runbooks.Labs;
using Runbooks.Labs.Network;
using Runbooks.Labs.Storage;
using Runbooks.Text;

namespace Runbooks.Cli;

/// <summary>
/// `runbook lab up|down|status|exec LAB`: the local twins of the challenge machines, which CI runs the runbooks
/// against and engineers practise on. Exit codes: 0 done (status: the lab is up); 1 it failed (status: the lab is
/// not up); 2 bad input or nothing could be run (unknown lab or machine, lab not up for exec, not root, a tool
/// missing). `exec` exits with the command's own exit code once the command ran.
/// </summary>
internal static class LabCommand
{
    /// <summary>The labs this build knows.</summary>
    private static readonly string[] s_knownLabs = [NetworkLab.Name, StorageLab.Name];

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Create()
    {
        var command = new Command("lab", "Build, inspect and remove the local twins of the challenge machines (needs root).");
        command.Subcommands.Add(Up());
        command.Subcommands.Add(Down());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Exec());
        return command;
    }

    private static Argument<string> LabArgument() => new("lab") { Description = $"The lab: {string.Join(", ", s_knownLabs)}." };

    private static Command Up()
    {
        var lab = LabArgument();
        var remountDelay = new Option<int?>("--remount-delay")
        {
            Description = "storage only: seconds after boot before the hidden remounter (fault S1) keeps /data read-only (default 48, as on the real machine).",
        };
        var command = new Command("up", "Build the lab from nothing, with every planted fault in place (removes any previous one first).");
        command.Arguments.Add(lab);
        command.Options.Add(remountDelay);
        command.SetAction((result, cancellationToken) => Guard(async () =>
        {
            var name = Known(result.GetValue(lab)!);
            var delay = result.GetValue(remountDelay);
            if (name == StorageLab.Name)
                return await UpStorageAsync(delay, cancellationToken).ConfigureAwait(false);
            if (delay is not null)
                throw new LabInputException("--remount-delay is an option of the storage lab only.");
            var network = new NetworkLab();
            var clock = Stopwatch.StartNew();
            var state = await network.UpAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"network lab up in {clock.Elapsed.TotalSeconds:0.00} s, broken as planted:"));
            foreach (var machine in state.Machines)
                Console.WriteLine($"  {machine.Name,-10} {machine.Address6pn,-16} ({machine.Role.ToString().ToLowerInvariant()})");
            Console.WriteLine($"ssh:     ssh -i {state.IdentityFile} -o UserKnownHostsFile={state.KnownHostsFile} root@{state.Client.Address6pn}");
            Console.WriteLine("console: runbook lab exec network client -- test-connection.sh");
            return CliContext.Succeeded;
        }));
        return command;
    }

    private static Command Down()
    {
        var lab = LabArgument();
        var command = new Command("down", "Remove everything the lab made (network: machines, bridge, veths, nft table; storage: the guest and its overlay) and its state folder.");
        command.Arguments.Add(lab);
        command.SetAction((result, cancellationToken) => Guard(async () =>
        {
            var name = Known(result.GetValue(lab)!);
            var clock = Stopwatch.StartNew();
            if (name == StorageLab.Name)
                await new StorageLab().DownAsync(cancellationToken).ConfigureAwait(false);
            else
                await new NetworkLab().DownAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} lab down in {clock.Elapsed.TotalSeconds:0.00} s; nothing of it is left."));
            return CliContext.Succeeded;
        }));
        return command;
    }

    private static Command Status()
    {
        var lab = LabArgument();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("status", "Show whether the lab is up and its parts (network: per machine holder, sshd, wg0, web server; storage: qemu, ssh, http). Exits 1 when the lab is not up.");
        command.Arguments.Add(lab);
        command.Options.Add(json);
        command.SetAction((result, cancellationToken) => Guard(async () =>
        {
            if (Known(result.GetValue(lab)!) == StorageLab.Name)
                return await StorageStatusAsync(result.GetValue(json), cancellationToken).ConfigureAwait(false);
            var network = new NetworkLab();
            var status = await network.StatusAsync(cancellationToken).ConfigureAwait(false);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, s_json));
            }
            else if (status.BuiltAt is null)
            {
                Console.WriteLine("network lab: down (run `runbook lab up network` to build it)");
            }
            else
            {
                var built = status.BuiltAt.Value.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                Console.WriteLine(status.Up ? $"network lab: up, built {built}" : $"network lab: BROKEN, built {built}; a machine is gone (run `runbook lab up network` to rebuild)");
                foreach (var m in status.Machines)
                {
                    Console.WriteLine($"  {m.Name,-10} {m.Address6pn,-16} holder {m.HolderPid} {(m.HolderAlive ? "alive" : "GONE")}"
                        + $"  sshd {Word(m.SshdAlive, "up", "down")}  wg0 {Word(m.Wg0Up, "up", "down")}"
                        + $"  http {(m.Role == NetworkMachineRole.Server ? Word(m.HttpListening, "listening", "NOT listening") : "-")}");
                }
            }
            return status.Up ? CliContext.Succeeded : CliContext.RunbookFailed;
        }));
        return command;

        static string Word(bool value, string yes, string no) => value ? yes : no;
    }

    private static Command Exec()
    {
        var lab = LabArgument();
        var machine = new Argument<string>("machine")
        {
            Description = $"network: the machine ({string.Join(", ", NetworkLab.AcceptedMachineNames)}); storage has one machine and takes none.",
        };
        var commandWords = new Argument<string[]>("command")
        {
            Description = "The command; like ssh, its words are joined with spaces and run by bash on the machine. Put `--` before it.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var console = new Option<bool>("--console")
        {
            Description = "storage only: type the command on the guest's serial console instead of using ssh (for when sshd or the network broke; output and errors come as one stream).",
        };
        var command = new Command("exec", "Run a command on a lab machine (network: through its console, no ssh; storage: over ssh, or --console); exits with the command's exit code.");
        command.Options.Add(console);
        command.Arguments.Add(lab);
        command.Arguments.Add(machine);
        command.Arguments.Add(commandWords);
        command.SetAction((result, cancellationToken) => Guard(() =>
        {
            var name = Known(result.GetValue(lab)!);
            var words = result.GetValue(commandWords) ?? [];
            if (name == StorageLab.Name)
            {
                // One machine: the word in the machine's place is the command's first.
                var line = string.Join(' ', [result.GetValue(machine)!, .. words]);
                return result.GetValue(console) ? ExecStorageConsoleAsync(line, cancellationToken) : new StorageLab().ExecAttachedAsync(line, cancellationToken);
            }
            if (result.GetValue(console))
                throw new LabInputException("--console is an option of the storage lab only (the network lab's exec is always its console).");
            if (words.Length == 0)
                throw new LabInputException("no command given; usage: runbook lab exec network MACHINE -- COMMAND…");
            return new NetworkLab().ExecAttachedAsync(result.GetValue(machine)!, string.Join(' ', words), cancellationToken);
        }));
        return command;
    }

    private static string Known(string lab) =>
        s_knownLabs.FirstOrDefault(known => string.Equals(lab, known, StringComparison.OrdinalIgnoreCase))
            ?? throw new LabInputException($"unknown lab '{lab}'; the known labs are: {string.Join(", ", s_knownLabs)}{Suggestions.Hint(lab, s_knownLabs)}");

    private static async Task<int> UpStorageAsync(int? remountDelaySeconds, CancellationToken cancellationToken)
    {
        if (remountDelaySeconds is < 0)
            throw new LabInputException($"--remount-delay must be 0 or more seconds (got {remountDelaySeconds}).");
        var clock = Stopwatch.StartNew();
        var state = await new StorageLab().UpAsync(
            remountDelaySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, cancellationToken).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"storage lab up in {clock.Elapsed.TotalSeconds:0.00} s (boot to ssh {state.BootToSshSeconds:0.0} s), broken as planted:"));
        Console.WriteLine($"  guest    qemu pid {state.QemuPid}, image {state.ImageFolder}");
        Console.WriteLine($"  objects  http://127.0.0.1:{state.HttpPort}/ (guest port 8000)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  S1       /data goes on being remounted read-only {state.RemountDelaySeconds} s after boot"));
        Console.WriteLine($"ssh:     {StorageLab.SshCommandLine(state)}");
        Console.WriteLine("console: runbook lab exec storage -- test-storage.sh --no-fill");
        return CliContext.Succeeded;
    }

    private static async Task<int> ExecStorageConsoleAsync(string commandLine, CancellationToken cancellationToken)
    {
        var result = await new StorageLab().ExecConsoleAsync(commandLine, cancellationToken: cancellationToken).ConfigureAwait(false);
        Console.Write(result.StandardOutput);
        return result.ExitCode;
    }

    private static async Task<int> StorageStatusAsync(bool json, CancellationToken cancellationToken)
    {
        var status = await new StorageLab().StatusAsync(cancellationToken).ConfigureAwait(false);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(status, s_json));
        }
        else if (status.BuiltAt is null)
        {
            Console.WriteLine("storage lab: down (run `runbook lab up storage` to boot it)");
        }
        else
        {
            var built = status.BuiltAt.Value.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            Console.WriteLine(status.Up ? $"storage lab: up, booted {built}" : $"storage lab: BROKEN, booted {built}; qemu is gone (run `runbook lab up storage` to boot it again)");
            Console.WriteLine($"  qemu pid {status.QemuPid} {(status.QemuAlive ? "alive" : "GONE")}"
                + $"  ssh 127.0.0.1:{status.SshPort} {(status.SshAnswers ? "answers" : "NOT answering")}"
                + $"  http 127.0.0.1:{status.HttpPort} {(status.HttpAnswers ? "answers" : "NOT answering")}");
        }
        return status.Up ? CliContext.Succeeded : CliContext.RunbookFailed;
    }

    /// <summary>Lab errors name what was wrong and what to do; those where nothing ran are bad input (exit 2).</summary>
    private static Task<int> Guard(Func<Task<int>> body) => CliContext.Guard(async () =>
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (LabException e)
        {
            await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
            return e is LabInputException or LabNotUpException or LabPrerequisiteException ? CliContext.BadInput : CliContext.RunbookFailed;
        }
    });
}
