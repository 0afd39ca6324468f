using System.CommandLine;
using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Policy;
using Runbooks.Autoextend.Runtime;
using Runbooks.Hosts;

namespace Runbooks.Cli;

/// <summary>
/// `runbook autoextend --lv VG/LV`: keeps a volume from filling (docs/autoextend-policy.md). On the machine itself it
/// samples with statvfs; with `--profile NAME` it keeps the machine a storage-lvm profile names, over ssh. Exit codes:
/// 0 no failed grow, 1 a grow failed, 2 bad input (every bad policy value named), 3 the machine or the volume
/// could not be used (or another grower keeps it).
/// </summary>
internal static class AutoextendCommand
{
    // Options the command owns itself rather than passing through to the policy.
    private static readonly HashSet<string> s_own = ["volume", "historyPath", "metricsPath"];

    public static Command Create()
    {
        var lv = new Option<string?>("--lv") { Description = "The volume to keep, VG/LV (e.g. vg0/data0); or `volume` in the policy file." };
        var policyFile = new Option<string?>("--policy") { Description = "A policy file (JSON, docs/autoextend-policy.md); options given here override it." };
        var check = new Option<bool>("--check") { Description = "Decide and print what would be done; change nothing." };
        var once = new Option<bool>("--once") { Description = "Take one sample, decide (and act), then stop." };
        var runFor = new Option<string?>("--for") { Description = "Stop after this long (\"90s\", \"10m\"); default: until interrupted." };
        var profile = new Option<string?>("--profile") { Description = $"Keep the machine a \"{StorageCommands.Runbook}\" profile names, over ssh (default: this machine)." };
        var history = new Option<string?>("--history") { Description = "The growth history, CSV (rotated); `runbook plot` draws it." };
        var metrics = new Option<string?>("--metrics") { Description = "A Prometheus textfile-collector file, rewritten after every sample." };
        var lockDirectory = new Option<string>("--lock-dir") { Description = "Where the one-grower-per-volume lock lives.", DefaultValueFactory = _ => "/run/lock" };
        var command = new Command("autoextend", "Keep a volume from filling: grow it (LV, then its filesystem) before it is full, add a disk when its VG is, and record every sample and action.");
        foreach (var option in new Option[] { lv, policyFile, check, once, runFor, profile, history, metrics, lockDirectory })
            command.Options.Add(option);
        var passed = PolicyLoader.Options.Where(o => !s_own.Contains(o.Key))
            .Select(o => (o.Key, Option: new Option<string?>(o.CommandLine) { Description = $"Policy: {o.Key} (docs/autoextend-policy.md)." })).ToList();
        foreach (var (_, option) in passed)
            command.Options.Add(option);

        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var overrides = new List<KeyValuePair<string, string>>();
            foreach (var (key, option) in passed)
                if (result.GetValue(option) is { } value)
                    overrides.Add(new(key, value));
            if (result.GetValue(lv) is { } volumeName)
                overrides.Add(new("volume", volumeName));
            if (result.GetValue(history) is { } historyPath)
                overrides.Add(new("historyPath", historyPath));
            if (result.GetValue(metrics) is { } metricsPath)
                overrides.Add(new("metricsPath", metricsPath));
            AutoextendPolicy policy;
            TimeSpan? limit = null;
            try
            {
                policy = PolicyLoader.Load(result.GetValue(policyFile), overrides);
                if (result.GetValue(runFor) is { } text)
                    limit = PolicyValues.TryParseDuration(text, out var span) && span > TimeSpan.Zero ? span
                        : throw new PolicyException([new PolicyProblem("--for", null, null, "for", $"\"{text}\" is not a duration: use a number with s, ms, m or h (\"90s\", \"10m\")")]);
            }
            catch (PolicyException e)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.BadInput;
            }

            var profileName = result.GetValue(profile);
            IHost host = profileName is null ? new LocalHost() : new SshHost(StorageCommands.Resolve(result, profileName).Target);
            try
            {
                using var guard = VolumeLock.Acquire(VolumeLock.PathFor(result.GetValue(lockDirectory)!, profileName is null ? "local" : host.Name, policy.Volume));
                var volume = new VolumeControl(host, policy.VolumeGroup, policy.LogicalVolume, policy.ImageDirectory);
                var first = await volume.ReadAsync(cancellationToken).ConfigureAwait(false);
                IUsageSource usage = profileName is null ? new StatvfsUsageSource(first.MountPoint) : new HostUsageSource(host, first.MountPoint);
                var historyFile = policy.HistoryPath is { } path ? new HistoryFile(path) : null;
                var tally = GrowthTally.Empty(policy.Volume);
                Task Record(GrowthRecord record, CancellationToken _)
                {
                    historyFile?.Append(record);
                    tally = tally.With(record);
                    if (policy.MetricsPath is { } metricsFile)
                        MetricsFile.Write(metricsFile, [tally]);
                    return Task.CompletedTask;
                }
                static void Log(string line) => Console.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
                var run = new AutoextendRun(result.GetValue(check), limit, result.GetValue(once) ? 1 : null);
                var summary = await new Autoextender(usage, volume, policy, Record, Log).RunAsync(run, cancellationToken).ConfigureAwait(false);
                Log($"stopped after {summary.Samples} samples: {summary.Extends} grows (+{summary.GrownBytes >> 20} MiB), {summary.DisksAdded} disks added, {summary.Alerts} alerts, {summary.Failures} failures; least available {summary.LeastAvailable >> 20} MiB");
                return summary.Failures == 0 ? CliContext.Succeeded : CliContext.RunbookFailed;
            }
            catch (Exception e) when (e is HostException or VolumeException or InvalidOperationException or IOException)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return NetworkCommands.MachineUnusable;
            }
            finally
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }));
        return command;
    }
}
