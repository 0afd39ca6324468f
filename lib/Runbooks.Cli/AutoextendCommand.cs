using System.CommandLine;
using System.Text.Json;
using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Policy;
using Runbooks.Autoextend.Runtime;
using Runbooks.Hosts;
using Runbooks.Network;
using Runbooks.Reports;

namespace Runbooks.Cli;

/// <summary>
/// `runbook autoextend --lv VG/LV`: keeps a volume from filling (docs/autoextend-policy.md). On the machine itself it
/// samples with statvfs; with `--profile NAME` (in the full CLI; the machine build has no catalogue) it keeps the
/// machine a storage-lvm profile names, over ssh. `--json` prints the run's summary as JSON on stdout, the log lines
/// going to stderr. Exit codes:
/// 0 no failed grow, 1 a grow failed, 2 bad input (every bad policy value named), 3 the machine or the volume
/// could not be used (or another grower keeps it).
/// </summary>
internal static class AutoextendCommand
{
    /// <param name="profileTarget">Resolves `--profile NAME` to the machine it names; null leaves the option out (the build installed on the machines).</param>
    /// <param name="subcommands">`install` and `uninstall` in the full CLI (it needs the build and a machine to install on).</param>
    public static Command Create(Func<ParseResult, string, SshTarget>? profileTarget = null, params IEnumerable<Command> subcommands)
    {
        var check = new Option<bool>("--check") { Description = "Decide and print what would be done; change nothing." };
        var once = new Option<bool>("--once") { Description = "Take one sample, decide (and act), then stop." };
        var runFor = new Option<string?>("--for") { Description = "Stop after this long (\"90s\", \"10m\"); default: until interrupted." };
        var profile = new Option<string?>("--profile") { Description = "Keep the machine a \"storage-lvm\" profile names, over ssh (default: this machine)." };
        var json = new Option<bool>("--json") { Description = "Print the run's summary as JSON on stdout at the end; log lines go to stderr." };
        var lockDirectory = new Option<string>("--lock-dir") { Description = "Where the one-grower-per-volume lock lives.", DefaultValueFactory = _ => "/run/lock" };
        var command = new Command("autoextend", "Keep a volume from filling: grow it (LV, then its filesystem) before it is full, add a disk when its VG is, and record every sample and action.");
        var inputs = PolicyInputs.AddTo(command);
        foreach (var option in new Option[] { check, once, runFor, lockDirectory, json })
            command.Options.Add(option);
        if (profileTarget is not null)
            command.Options.Add(profile);
        foreach (var subcommand in subcommands)
            command.Subcommands.Add(subcommand);

        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            AutoextendPolicy policy;
            TimeSpan? limit = null;
            try
            {
                policy = inputs.Read(result);
                if (result.GetValue(runFor) is { } text)
                    limit = PolicyValues.TryParseDuration(text, out var span) && span > TimeSpan.Zero ? span
                        : throw new PolicyException([new PolicyProblem("--for", null, null, "for", $"\"{text}\" is not a duration: use a number with s, ms, m or h (\"90s\", \"10m\")")]);
            }
            catch (PolicyException e)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.BadInput;
            }

            var profileName = profileTarget is null ? null : result.GetValue(profile);
            IHost host = profileName is null ? new LocalHost() : SshHosts.Open(profileTarget!(result, profileName));
            var asJson = result.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            try
            {
                using var guard = VolumeLock.Acquire(VolumeLock.PathFor(result.GetValue(lockDirectory)!, profileName is null ? "local" : host.Name, policy.Volume));
                var volume = new VolumeControl(host, policy.VolumeGroup, policy.LogicalVolume, policy.ImageDirectory);
                var first = await volume.ReadAsync(cancellationToken).ConfigureAwait(false);
                IUsageSource usage = profileName is null ? new StatvfsUsageSource(first.MountPoint) : new HostUsageSource(host, first.MountPoint);
                var historyFile = policy.HistoryPath is { } path ? new HistoryFile(path) : null;
                var tally = GrowthTally.Empty(policy.Volume);
                var metricsWriter = policy.MetricsPath is { } metricsFile ? new MetricsWriter(metricsFile) : null;
                Task Record(GrowthRecord record, CancellationToken _)
                {
                    historyFile?.Append(record);
                    tally = tally.With(record);
                    metricsWriter?.Update(tally, record.Time);
                    return Task.CompletedTask;
                }
                void Log(string line) => log.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
                var run = new AutoextendRun(result.GetValue(check), limit, result.GetValue(once) ? 1 : null);
                var summary = await new Autoextender(usage, volume, policy, Record, Log).RunAsync(run, cancellationToken).ConfigureAwait(false);
                Log($"stopped after {summary.Samples} samples: {summary.Extends} grows (+{summary.GrownBytes >> 20} MiB), {summary.DisksAdded} disks added, {summary.Alerts} alerts, {summary.Failures} failures; least available {summary.LeastAvailable >> 20} MiB");
                if (asJson)
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        volume = policy.Volume,
                        check = run.CheckMode,
                        summary.Samples,
                        summary.Extends,
                        summary.DisksAdded,
                        summary.Alerts,
                        summary.Failures,
                        summary.GrownBytes,
                        summary.LeastAvailable,
                        growSeconds = summary.GrowDurations.Select(d => Math.Round(d.TotalSeconds, 3)),
                        final = summary.Final,
                    }, ReportJson.Options));
                return summary.Failures == 0 ? CliContext.Succeeded : CliContext.RunbookFailed;
            }
            catch (Exception e) when (e is HostException or VolumeException or InvalidOperationException or IOException)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.MachineUnusable;
            }
            finally
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }));
        return command;
    }
}

/// <summary>The options that make a policy, shared by `autoextend` and `autoextend install`: --lv, --policy, --history,
/// --metrics and every policy option by its own name (PolicyLoader.Options).</summary>
internal sealed class PolicyInputs
{
    // Options with a shorter name of their own rather than the policy's.
    private static readonly HashSet<string> s_own = ["volume", "historyPath", "metricsPath"];

    private readonly Option<string?> _lv = new("--lv") { Description = "The volume to keep, VG/LV (e.g. vg0/data0); or `volume` in the policy file." };
    private readonly Option<string?> _file = new("--policy") { Description = "A policy file (JSON, docs/autoextend-policy.md); options given here override it." };
    private readonly Option<string?> _history = new("--history") { Description = "The growth history, CSV (rotated); `runbook plot` draws it." };
    private readonly Option<string?> _metrics = new("--metrics") { Description = "A Prometheus textfile-collector file, rewritten after every sample." };
    private readonly List<(string Key, Option<string?> Option)> _passed = PolicyLoader.Options.Where(o => !s_own.Contains(o.Key))
        .Select(o => (o.Key, new Option<string?>(o.CommandLine) { Description = $"Policy: {o.Key} (docs/autoextend-policy.md)." })).ToList();

    public static PolicyInputs AddTo(Command command)
    {
        var inputs = new PolicyInputs();
        foreach (var option in new Option[] { inputs._lv, inputs._file, inputs._history, inputs._metrics }.Concat(inputs._passed.Select(p => p.Option)))
            command.Options.Add(option);
        return inputs;
    }

    /// <exception cref="PolicyException">Every bad value, in the file and on the command line.</exception>
    public AutoextendPolicy Read(ParseResult result)
    {
        var overrides = new List<KeyValuePair<string, string>>();
        foreach (var (key, option) in _passed)
            if (result.GetValue(option) is { } value)
                overrides.Add(new(key, value));
        foreach (var (key, option) in new[] { ("volume", _lv), ("historyPath", _history), ("metricsPath", _metrics) })
            if (result.GetValue(option) is { } value)
                overrides.Add(new(key, value));
        return PolicyLoader.Load(result.GetValue(_file), overrides);
    }
}
