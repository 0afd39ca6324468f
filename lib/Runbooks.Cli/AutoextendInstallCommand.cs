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
        var profile = new Option<string?>("--profile") { Description = "Install on the machine a \"storage-lvm\" profile names (default: this machine)." };
        var build = new Option<string>("--build") { Description = "The machine build to copy (scripts/publish.sh machine makes it).", DefaultValueFactory = _ => GrowerBuild.DefaultFolder };
        var check = new Option<bool>("--check") { Description = "Print what would change; change nothing." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("install", "Install the grower on the machine (a self-contained build, its policy, a launcher) and keep it running there: an inittab respawn line without systemd, a unit with it.");
        var inputs = PolicyInputs.AddTo(command);
        foreach (var option in new Option[] { profile, build, check, json })
            command.Options.Add(option);
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
            var checkMode = result.GetValue(check);
            var asJson = result.GetValue(json);
            await using IHost host = result.GetValue(profile) is { } name ? new SshHost(profileTarget(result, name)) : new LocalHost();
            GrowerInstallOutcome outcome;
            try
            {
                outcome = await GrowerInstaller.InstallAsync(host, machineBuild, policy, checkMode, asJson ? null : PlanOutput.Print, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HostException or GrowerInstallBlockedException or FormatException)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.MachineUnusable;
            }
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
        var profile = new Option<string?>("--profile") { Description = "Uninstall from the machine a \"storage-lvm\" profile names (default: this machine)." };
        var lv = new Option<string>("--lv") { Description = "The volume whose grower to remove, VG/LV (e.g. vg0/data0).", Required = true };
        var check = new Option<bool>("--check") { Description = "Print what would change; change nothing." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("uninstall", "Remove the grower of a volume from the machine (init's respawn line or unit first, then the grower, its launcher, metrics and policy; the build once no volume uses it). Keeps the history and the log.");
        foreach (var option in new Option[] { profile, lv, check, json })
            command.Options.Add(option);
        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var volume = result.GetValue(lv)!;
            if (LvmNames.VolumeProblem(volume) is { } problem)
            {
                await Console.Error.WriteLineAsync($"runbook: --lv \"{volume}\" {problem}").ConfigureAwait(false);
                return CliContext.BadInput;
            }
            var (volumeGroup, logicalVolume) = (volume.Split('/')[0], volume.Split('/')[1]);
            var checkMode = result.GetValue(check);
            var asJson = result.GetValue(json);
            await using IHost host = result.GetValue(profile) is { } name ? new SshHost(profileTarget(result, name)) : new LocalHost();
            GrowerUninstallOutcome outcome;
            try
            {
                outcome = await GrowerUninstaller.UninstallAsync(host, volumeGroup, logicalVolume, checkMode, asJson ? null : PlanOutput.Print, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HostException or FormatException)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.MachineUnusable;
            }
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
}
