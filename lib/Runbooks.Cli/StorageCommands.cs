using System.CommandLine;
using System.Text.Json;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Network;
using Runbooks.Reports;
using Runbooks.Storage;
using Runbooks.Storage.Checks;

namespace Runbooks.Cli;

/// <summary>
/// `runbook capture|diagnose storage --profile NAME`: the storage runbook's library from a terminal, the machine
/// named by a profile of the storage runbook in nbconfig.json. Exit codes as for the network commands.
/// </summary>
internal static class StorageCommands
{
    public const string Runbook = "storage-lvm";

    public static Command Capture()
    {
        var raw = new Option<string?>("--raw") { Description = "Also save the raw capture output as DIR/storage.txt (a parser fixture)." };
        return Subject("Capture the storage machine's state (one round trip).", async (session, result, json, ct) =>
        {
            if (result.GetValue(raw) is { } folder)
            {
                Directory.CreateDirectory(folder);
                var output = await session.Host.RunAsync(Runbooks.Storage.Snapshot.StorageCapture.Command(), ct).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(folder, "storage.txt"), output.StandardOutput, ct).ConfigureAwait(false);
            }
            var state = await session.CaptureAsync(ct).ConfigureAwait(false);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(state, ReportJson.Options));
                return CliContext.Succeeded;
            }
            Console.WriteLine($"{state.Hostname} ({state.Host}), captured {state.CapturedAt:u}");
            foreach (var pv in state.PhysicalVolumes)
                Console.WriteLine($"  pv {pv.Name} vg {pv.VolumeGroup ?? "-"} attr {pv.Attr} pe_start {pv.DataOffset} dev {pv.DeviceSize} size {pv.Size} free {pv.Free}");
            foreach (var lv in state.LogicalVolumes)
                Console.WriteLine($"  lv {lv.VolumeGroup}/{lv.Name} {lv.Attr} {lv.Size}");
            foreach (var mount in state.Mounts.Where(m => m.Target is "/" or "/data" || m.Source.StartsWith("/dev/", StringComparison.Ordinal)))
                Console.WriteLine($"  mount {mount.Target} {mount.Source} {mount.FsType} {string.Join(",", mount.Options)}");
            foreach (var problem in state.Problems)
                Console.WriteLine($"  could not capture {problem.Section}: {problem.Message}");
            return CliContext.Succeeded;
        }, raw);
    }

    public static Command Diagnose() => Subject("Diagnose the storage machine from its state.", async (session, _, json, ct) =>
    {
        var (_, findings) = await session.DiagnoseAsync(ct).ConfigureAwait(false);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { findings }, ReportJson.Options));
        else
            NetworkCommands.WriteFindings(findings);
        return findings.Any(f => f.Severity == Severity.Error) ? CliContext.RunbookFailed : CliContext.Succeeded;
    });

    public static Command Fix()
    {
        var check = new Option<bool>("--check") { Description = "Print what would change; change nothing." };
        return Subject("Plan and apply the fixes; --check prints the plan and changes nothing.", async (session, result, json, ct) =>
        {
            var checkMode = result.GetValue(check);
            StorageFixOutcome outcome;
            try
            {
                outcome = await session.FixAsync(checkMode, json ? null : PlanOutput.Print, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (StorageRepairBlockedException e)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.MachineUnusable;
            }
            var failed = outcome.Steps.Count(s => s.Status == StepStatus.Failed);
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(new { check = checkMode, changed = outcome.Changed, failed, steps = outcome.Steps.Select(PlanOutput.StepJson), remaining = outcome.After, open = outcome.Open.Select(PlanOutput.OpenJson) }, ReportJson.Options));
            else
            {
                Console.WriteLine(PlanOutput.Summary(checkMode, outcome.Changed, failed));
                var warnings = outcome.After.Where(f => f.Severity != Severity.Error).ToList();
                if (!checkMode && warnings.Count > 0)
                {
                    Console.WriteLine("warnings left (they do not break the volume now):");
                    NetworkCommands.WriteFindings(warnings);
                }
                PlanOutput.PrintOpen(checkMode, outcome.Open);
            }
            return outcome.Succeeded ? CliContext.Succeeded : CliContext.RunbookFailed;
        }, check);
    }

    private static Command Subject(string description, Func<StorageSession, ParseResult, bool, CancellationToken, Task<int>> body, params Option[] extra)
    {
        var storage = new Command("storage", $"{description} The machine comes from a profile of the \"{Runbook}\" runbook in nbconfig.json.");
        var profile = new Option<string>("--profile") { Description = $"The \"{Runbook}\" profile naming the machine (e.g. twin).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        storage.Options.Add(profile);
        storage.Options.Add(json);
        foreach (var option in extra)
            storage.Options.Add(option);
        storage.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var (target, settings) = Resolve(result, result.GetValue(profile)!);
            try
            {
                await using var session = await StorageSession.ConnectAsync(target, settings, cancellationToken: cancellationToken).ConfigureAwait(false);
                return await body(session, result, result.GetValue(json), cancellationToken).ConfigureAwait(false);
            }
            catch (HostException e)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.MachineUnusable;
            }
        }));
        return storage;
    }

    internal static (SshTarget Target, StorageSettings Settings) Resolve(ParseResult result, string profileName)
    {
        var parameters = CliContext.ProfileParameters(result, Runbook, profileName);
        try
        {
            var target = SshTargets.Create("host", parameters.Text("host", ""), parameters.Text("sshUser", "root"), parameters.Number("sshPort", 22),
                parameters.Text("identityFile", ""), parameters.Text("knownHostsFile", ""), parameters.Text("hostKeyPolicy", "strict"),
                transport: parameters.Text("transport", "openssh"));
            var defaults = new StorageSettings();
            return (target, defaults with
            {
                MountPoint = parameters.Text("mountPoint", defaults.MountPoint),
                VolumeGroup = parameters.Text("volumeGroup", defaults.VolumeGroup),
                LogicalVolume = parameters.Text("logicalVolume", defaults.LogicalVolume),
            });
        }
        catch (ArgumentException e)
        {
            throw new KeyNotFoundException($"profile \"{profileName}\" of \"{Runbook}\": {e.Message}");
        }
    }
}
