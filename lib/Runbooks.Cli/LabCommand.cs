using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Runbooks.Labs;
using Runbooks.Labs.Network;
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
    /// <summary>The labs this build knows; storage comes later.</summary>
    private static readonly string[] s_knownLabs = [NetworkLab.Name];

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
        var command = new Command("up", "Build the lab from nothing, with every planted fault in place (removes any previous one first).");
        command.Arguments.Add(lab);
        command.SetAction((result, cancellationToken) => Guard(async () =>
        {
            var network = Resolve(result.GetValue(lab)!);
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
        var command = new Command("down", "Remove everything the lab made: machines and their processes, bridge, veths, nft table, state folder.");
        command.Arguments.Add(lab);
        command.SetAction((result, cancellationToken) => Guard(async () =>
        {
            var network = Resolve(result.GetValue(lab)!);
            var clock = Stopwatch.StartNew();
            await network.DownAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"network lab down in {clock.Elapsed.TotalSeconds:0.00} s; nothing of it is left."));
            return CliContext.Succeeded;
        }));
        return command;
    }

    private static Command Status()
    {
        var lab = LabArgument();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("status", "Show whether the lab is up and, per machine, its holder, sshd, wg0 and web server. Exits 1 when the lab is not up.");
        command.Arguments.Add(lab);
        command.Options.Add(json);
        command.SetAction((result, cancellationToken) => Guard(async () =>
        {
            var network = Resolve(result.GetValue(lab)!);
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
        var machine = new Argument<string>("machine") { Description = $"The machine: {string.Join(", ", NetworkLab.AcceptedMachineNames)}." };
        var commandWords = new Argument<string[]>("command")
        {
            Description = "The command; like ssh, its words are joined with spaces and run by bash on the machine. Put `--` before it.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("exec", "Run a command on a lab machine through its console (no ssh involved); exits with the command's exit code.");
        command.Arguments.Add(lab);
        command.Arguments.Add(machine);
        command.Arguments.Add(commandWords);
        command.SetAction((result, cancellationToken) => Guard(() =>
        {
            var network = Resolve(result.GetValue(lab)!);
            return network.ExecAttachedAsync(result.GetValue(machine)!, string.Join(' ', result.GetValue(commandWords)!), cancellationToken);
        }));
        return command;
    }

    private static NetworkLab Resolve(string lab) =>
        string.Equals(lab, NetworkLab.Name, StringComparison.OrdinalIgnoreCase)
            ? new NetworkLab()
            : throw new LabInputException($"unknown lab '{lab}'; the known labs are: {string.Join(", ", s_knownLabs)}{Suggestions.Hint(lab, s_knownLabs)}");

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
