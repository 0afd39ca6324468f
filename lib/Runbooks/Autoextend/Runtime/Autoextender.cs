using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Runbooks.Autoextend.Decisions;
using Runbooks.Autoextend.Policy;

namespace Runbooks.Autoextend.Runtime;

/// <summary>How long a grower runs and whether it acts.</summary>
/// <param name="CheckMode">Decide and report, change nothing.</param>
/// <param name="RunFor">Stop after this long; null: until cancelled.</param>
/// <param name="MaxSamples">Stop after this many samples (1: `--once`); null: no limit.</param>
public sealed record AutoextendRun(bool CheckMode = false, TimeSpan? RunFor = null, int? MaxSamples = null);

/// <summary>What a grower did over its run.</summary>
public sealed record AutoextendSummary(
    int Samples,
    int Extends,
    int DisksAdded,
    int Alerts,
    int Failures,
    long GrownBytes,
    long LeastAvailable,
    ImmutableArray<TimeSpan> GrowDurations,
    VolumeReading Final);

/// <summary>
/// The grower: samples the filesystem every <see cref="AutoextendPolicy.SampleInterval"/>, asks
/// <see cref="GrowthDecider"/> what to do, and does it: extend the LV, then grow its filesystem, each verified by
/// reading the volume again. At start it repairs a filesystem left behind its LV by a grow that was cut off. Every
/// sample and every action goes to <paramref name="record"/> (the history), every action to <paramref name="log"/>.
/// </summary>
public sealed class Autoextender(
    IUsageSource usage,
    VolumeControl volume,
    AutoextendPolicy policy,
    Func<GrowthRecord, CancellationToken, Task> record,
    Action<string> log,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<AutoextendSummary> RunAsync(AutoextendRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        policy.Validate();
        var started = _clock.GetUtcNow();
        var reading = await volume.ReadAsync(cancellationToken).ConfigureAwait(false);
        log($"keeping {reading.Volume} ({reading.FilesystemType} on {reading.MountPoint}): LV {Mib(reading.VolumeSize)}, VG free {Mib(reading.GroupFree)}, {reading.DiskCount} disks; sampling {usage.Description} every {policy.SampleInterval.TotalSeconds:0.###} s{(run.CheckMode ? "; check mode: nothing will be changed" : "")}");
        reading = await RepairAsync(reading, run.CheckMode, cancellationToken).ConfigureAwait(false);

        var state = State(reading);
        var window = new List<UsageSample>();
        int samples = 0, extends = 0, disks = 0, alerts = 0, failures = 0;
        long grown = 0, least = long.MaxValue;
        var durations = ImmutableArray.CreateBuilder<TimeSpan>();
        string? lastReported = null;
        while (!cancellationToken.IsCancellationRequested
            && (run.MaxSamples is not { } max || samples < max)
            && (run.RunFor is not { } limit || _clock.GetUtcNow() - started < limit))
        {
            var due = _clock.GetUtcNow() + policy.SampleInterval;
            UsageSample sample;
            try
            {
                sample = await usage.SampleAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping is how a grower ends: between samples, or in the middle of one.
                break;
            }
            samples++;
            least = Math.Min(least, sample.FilesystemAvailable);
            window.Add(sample);
            window.RemoveAll(s => sample.Time - s.Time > policy.RateWindow * 2);
            await record(Record(GrowthEvent.Sample, sample, reading), cancellationToken).ConfigureAwait(false);

            var decision = GrowthDecider.Decide(window, state, policy, sample.Time);
            if (run.CheckMode)
            {
                if (decision is not NoAction && decision.Reason != lastReported)
                    log($"would {Describe(decision)}: {decision.Reason}");
                lastReported = decision.Reason;
            }
            else
            {
                // An action, once begun, is finished even when the grower is told to stop: a grow cut off between the
                // LV and its filesystem would be left for the next start to repair.
                switch (decision)
                {
                    case Grow grow:
                    case AddDiskThenGrow:
                        var stopwatch = Stopwatch.StartNew();
                        try
                        {
                            var bytes = decision is Grow g ? g.Bytes : ((AddDiskThenGrow)decision).Bytes;
                            if (decision is AddDiskThenGrow add)
                            {
                                log($"adding {add.ImagePath} ({Mib(add.DiskSize)}): {add.Reason}");
                                await volume.AddDiskAsync(add.ImagePath, add.DiskSize, policy.ImageFilesystemFloor, CancellationToken.None).ConfigureAwait(false);
                                disks++;
                                reading = await volume.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                                await record(Record(GrowthEvent.AddDisk, sample, reading, add.DiskSize, stopwatch.Elapsed.TotalSeconds, add.ImagePath), CancellationToken.None).ConfigureAwait(false);
                            }
                            var before = reading.VolumeSize;
                            await volume.ExtendVolumeAsync(bytes, CancellationToken.None).ConfigureAwait(false);
                            reading = await volume.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                            await volume.GrowFilesystemAsync(reading, CancellationToken.None).ConfigureAwait(false);
                            reading = await volume.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                            if (reading.VolumeSize <= before || reading.FilesystemBehindVolume)
                                throw new VolumeException($"after the grow {reading.Volume} is {Mib(reading.VolumeSize)} (was {Mib(before)}) and its filesystem {Mib(reading.FilesystemBytes ?? 0)}");
                            var took = stopwatch.Elapsed;
                            extends++;
                            grown += reading.VolumeSize - before;
                            durations.Add(took);
                            state = State(reading) with
                            {
                                LastGrowAt = _clock.GetUtcNow(),
                                ObservedGrowDurations = state.ObservedGrowDurations.Add(took),
                                LastAlert = state.LastAlert,
                            };
                            await record(Record(GrowthEvent.Extend, sample, reading, reading.VolumeSize - before, took.TotalSeconds, decision.Reason), CancellationToken.None).ConfigureAwait(false);
                            log($"grew {reading.Volume} by {Mib(reading.VolumeSize - before)} to {Mib(reading.VolumeSize)} in {took.TotalSeconds:0.0} s: {decision.Reason}");
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            failures++;
                            // The cooldown counts from here too: a failing grow must not be retried every sample.
                            state = state with { LastGrowAt = _clock.GetUtcNow() };
                            await record(Record(GrowthEvent.Error, sample, reading, null, stopwatch.Elapsed.TotalSeconds, e.Message), CancellationToken.None).ConfigureAwait(false);
                            log($"FAILED to grow {reading.Volume}: {e.Message}");
                            try
                            {
                                reading = await volume.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                                reading = await RepairAsync(reading, checkMode: false, CancellationToken.None).ConfigureAwait(false);
                                state = State(reading) with { LastGrowAt = state.LastGrowAt, ObservedGrowDurations = state.ObservedGrowDurations, LastAlert = state.LastAlert };
                            }
                            catch (Exception again) when (again is not OperationCanceledException)
                            {
                                log($"and the volume could not be read again: {again.Message}");
                            }
                        }
                        break;
                    case Alert alert:
                        alerts++;
                        state = state with { LastAlert = new RaisedAlert(alert.Kind, sample.Time) };
                        await record(Record(GrowthEvent.Alert, sample, reading, null, null, $"{alert.Kind}: {alert.Reason}"), CancellationToken.None).ConfigureAwait(false);
                        log($"ALERT {alert.Kind}: {alert.Reason}");
                        break;
                }
            }

            var wait = due - _clock.GetUtcNow();
            if (wait > TimeSpan.Zero && (run.MaxSamples is not { } m || samples < m))
            {
                try
                {
                    await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        return new AutoextendSummary(samples, extends, disks, alerts, failures, grown, least == long.MaxValue ? 0 : least, durations.ToImmutable(), reading);
    }

    /// <summary>A grow cut off between the LV and its filesystem leaves the filesystem behind: grow it now.</summary>
    private async Task<VolumeReading> RepairAsync(VolumeReading reading, bool checkMode, CancellationToken cancellationToken)
    {
        if (!reading.FilesystemBehindVolume)
            return reading;
        var what = $"the filesystem of {reading.Volume} spans {Mib(reading.FilesystemBytes ?? 0)} of its {Mib(reading.VolumeSize)} LV (a grow was cut off)";
        if (checkMode)
        {
            log($"would grow the filesystem: {what}");
            return reading;
        }
        var stopwatch = Stopwatch.StartNew();
        await volume.GrowFilesystemAsync(reading, cancellationToken).ConfigureAwait(false);
        var repaired = await volume.ReadAsync(cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow();
        // Recorded, then logged: whoever sees the log line finds the record in the history.
        await record(new GrowthRecord(now, GrowthEvent.Repair, repaired.Volume, 0, 0, 0, 0, 0, repaired.VolumeSize, repaired.GroupFree,
            (repaired.FilesystemBytes ?? 0) - (reading.FilesystemBytes ?? 0), stopwatch.Elapsed.TotalSeconds, what), cancellationToken).ConfigureAwait(false);
        log($"repaired: {what}; now {Mib(repaired.FilesystemBytes ?? 0)}");
        return repaired;
    }

    private static VolumeState State(VolumeReading reading) =>
        new(reading.VolumeSize, reading.GroupFree, reading.ExtentSize, reading.DiskCount, reading.ImageDirectoryAvailable) { ImagePaths = reading.ImageFiles };

    private static GrowthRecord Record(GrowthEvent kind, UsageSample sample, VolumeReading reading, long? bytes = null, double? seconds = null, string? detail = null) =>
        new(sample.Time, kind, reading.Volume, sample.FilesystemSize, sample.FilesystemUsed, sample.FilesystemAvailable, sample.InodesTotal, sample.InodesUsed,
            reading.VolumeSize, reading.GroupFree, bytes, seconds, detail);

    private static string Describe(Decision decision) => decision switch
    {
        Grow g => $"grow by {Mib(g.Bytes)}",
        AddDiskThenGrow a => $"add {a.ImagePath} and grow by {Mib(a.Bytes)}",
        Alert a => $"alert {a.Kind}",
        Wait w => $"wait until {w.Until:HH:mm:ss}",
        _ => "do nothing",
    };

    private static string Mib(long bytes) => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + " MiB";
}
