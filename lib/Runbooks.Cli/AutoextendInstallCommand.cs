using System.CommandLine;
using System.Text.Json;
using Runbooks.Autoextend.Install;
using Runbooks.Autoextend.Policy;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Reports;

namespace Runbooks.Cli;

/// <summary>
/// `runbook autoextend install --profile NAME --lv VG/LV [policy options] [--check]`: installs the grower on the machine
/// and keeps it running there (docs/autoextend-install.md); `uninstall` removes it. Exit codes as `fix`: 0 done, 1 a step failed, 2 bad
/// input (a bad policy value, no machine build), 3 the machine could not be used or the install is blocked.
/// </summary>
internal static class AutoextendInstallCommand
{
    public static Command Create(Func<ParseResult, string, SshTarget> profileTarget)
    {
        var build = new Option<string>("--build") { Description = "The machine build to copy (scripts/publish.sh machine makes it).", DefaultValueFactory = _ => GrowerBuild.DefaultFolder };
        var command = new Command("install", "Install the grower on the machine (a self-contained build, its policy, a launcher) and keep it running there: an inittab respawn line without systemd, a unit with it.");
        var inputs = PolicyInputs.AddTo(command);
        command.Options.Add(build);
        var machine = MachineOptions.AddTo(command, "Install on");
        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            AutoextendPolicy policy;
            try
            {
                policy = inputs.Read(result);
            }
            catch (PolicyException e)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.BadInput;
            }
            var machineBuild = GrowerBuild.Open(result.GetValue(build)!);
            var (checkMode, asJson) = (result.GetValue(machine.Check), result.GetValue(machine.Json));
            await using var host = machine.Host(result, profileTarget);
            if (await RunOnMachineAsync(() => GrowerInstaller.InstallAsync(host, machineBuild, policy, checkMode, asJson ? null : PlanOutput.Print, cancellationToken)).ConfigureAwait(false) is not { } outcome)
                return CliContext.MachineUnusable;
            var report = outcome.Report;
            if (asJson)
                Console.WriteLine(JsonSerializer.Serialize(new { check = checkMode, version = outcome.Version, supervisor = outcome.After.Supervisor, changed = report.Changed, failed = report.Failed, steps = report.Steps.Select(PlanOutput.StepJson) }, ReportJson.Options));
            else
                Console.WriteLine(PlanOutput.Summary(checkMode, report.Changed, report.Failed) + $"; runbook {outcome.Version} on {host.Name}, kept running by {GrowerLayout.Describe(outcome.After.Supervisor)}");
            return report.Succeeded ? CliContext.Succeeded : CliContext.RunbookFailed;
        }));
        return command;
    }

    /// <summary>
    /// `runbook autoextend uninstall --profile NAME --lv VG/LV [--check] [--json]`: the reverse of install; the history
    /// and the log are kept. Same exit codes; a malformed --lv is bad input (2).
    /// </summary>
    public static Command CreateUninstall(Func<ParseResult, string, SshTarget> profileTarget)
    {
        var lv = new Option<string>("--lv") { Description = "The volume whose grower to remove, VG/LV (e.g. vg0/data0).", Required = true };
        var command = new Command("uninstall", "Remove the grower of a volume from the machine (init's respawn line or unit first, then the grower, its launcher, metrics and policy; the build once no volume uses it). Keeps the history and the log.");
        command.Options.Add(lv);
        var machine = MachineOptions.AddTo(command, "Uninstall from");
        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var volume = result.GetValue(lv)!;
            if (LvmNames.VolumeProblem(volume) is { } problem)
            {
                await Console.Error.WriteLineAsync($"runbook: --lv \"{volume}\" {problem}").ConfigureAwait(false);
                return CliContext.BadInput;
            }
            var (volumeGroup, logicalVolume) = (volume.Split('/')[0], volume.Split('/')[1]);
            var (checkMode, asJson) = (result.GetValue(machine.Check), result.GetValue(machine.Json));
            await using var host = machine.Host(result, profileTarget);
            if (await RunOnMachineAsync(() => GrowerUninstaller.UninstallAsync(host, volumeGroup, logicalVolume, checkMode, asJson ? null : PlanOutput.Print, cancellationToken)).ConfigureAwait(false) is not { } outcome)
                return CliContext.MachineUnusable;
            var report = outcome.Report;
            if (asJson)
                Console.WriteLine(JsonSerializer.Serialize(new { check = checkMode, volume, nothingInstalled = outcome.NothingInstalled, changed = report.Changed, failed = report.Failed, kept = outcome.Kept, steps = report.Steps.Select(PlanOutput.StepJson) }, ReportJson.Options));
            else
            {
                Console.WriteLine(outcome.NothingInstalled
                    ? $"nothing of the grower of {volume} is installed on {host.Name}: nothing to remove"
                    : PlanOutput.Summary(checkMode, report.Changed, report.Failed) + $"; the grower of {volume} on {host.Name}");
                foreach (var line in outcome.Kept)
                    Console.WriteLine($"kept: {line}");
            }
            return report.Succeeded ? CliContext.Succeeded : CliContext.RunbookFailed;
        }));
        return command;
    }

    /// <summary>What install and uninstall share: the machine (a profile's, or this one), check mode and JSON output.</summary>
    private sealed record MachineOptions(Option<string?> Profile, Option<bool> Check, Option<bool> Json)
    {
        public static MachineOptions AddTo(Command command, string verb)
        {
            var options = new MachineOptions(
                new Option<string?>("--profile") { Description = $"{verb} the machine a \"storage-lvm\" profile names (default: this machine)." },
                new Option<bool>("--check") { Description = "Print what would change; change nothing." },
                new Option<bool>("--json") { Description = "Print JSON instead of text." });
            command.Options.Add(options.Profile);
            command.Options.Add(options.Check);
            command.Options.Add(options.Json);
            return options;
        }

        public IHost Host(ParseResult result, Func<ParseResult, string, SshTarget> profileTarget) =>
            result.GetValue(Profile) is { } name ? SshHosts.Open(profileTarget(result, name)) : new LocalHost();
    }

    /// <summary>The plan's outcome; null, with the reason on stderr, when the machine could not be used or the plan is blocked (exit 3).</summary>
    private static async Task<T?> RunOnMachineAsync<T>(Func<Task<T>> plan) where T : class
    {
        try
        {
            return await plan().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HostException or GrowerInstallBlockedException or FormatException)
        {
            await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }
}
