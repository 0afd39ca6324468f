using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Labs;
using Runbooks.Labs.Storage;
using Runbooks.Probes;
using Runbooks.Storage;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Benchmarks;

/// <summary>
/// The storage runbook's figures, on the real twin (one qemu guest): boot to SSH from the cached image; the snapshot
/// in one ssh round trip against the same capture one ssh per section (the baseline, measured in the same run); and
/// the whole repair of the freshly booted, broken twin under a downtime probe. Each run boots afresh; the twin is
/// taken down at the end, also when a run failed.
/// </summary>
internal sealed class StorageBenchmark(int runs, int snapshots, string jsonPath, TextWriter output)
{
    private const double BootGoalSeconds = 10;

    private const string Manifest = "/usr/local/share/objects/manifest.sha256";

    private const int ProbeFailuresShown = 3;

    // The remounter (fault S1) already at work when the repair starts, in every run: with the real machine's 48 s it
    // would fire during the snapshot timing or during the repair depending on how fast the machine is, and the
    // repair's work (its remount step) would differ from run to run.
    private static readonly TimeSpan s_remountDelay = TimeSpan.Zero;

    public async Task<int> RunAsync()
    {
        if (await ClaimTwinAsync() is not { } lab)
            return 2;

        var results = new List<RunFigures>();
        try
        {
            for (var run = 1; run <= runs; run++)
            {
                var figures = new RunFigures { Run = run };
                results.Add(figures);
                try
                {
                    await RunOnceAsync(lab, figures);
                }
                catch (Exception e) when (e is LabException or HostException or StorageRepairBlockedException or FormatException)
                {
                    figures.Error = $"{e.GetType().Name}: {e.Message}";
                }
            }
        }
        finally
        {
            await lab.DownAsync();
        }

        Write(results);
        return results.All(r => r.Ok) ? 0 : 1;
    }

    private async Task RunOnceAsync(StorageLab lab, RunFigures figures)
    {
        StorageLabState? state = null;
        figures.UpWallSeconds = await TimeAsync(async () => state = await lab.UpAsync(s_remountDelay)) / 1000;
        figures.BootToSshSeconds = state!.BootToSshSeconds;
        figures.BootToReadySeconds = state.BootToReadySeconds;
        figures.Accel = Accelerator(state.QemuPid);

        StorageSession? connected = null;
        figures.ConnectMs = await TimeAsync(async () => connected = await StorageSession.ConnectAsync(state.SshTarget()));
        await using (var session = connected!)
        {
            figures.CaptureBytes = (await session.Host.RunAsync(StorageCapture.Command())).StandardOutput.Length;   // warm-up
            // Interleaved, so a slow spell of the emulated guest or of this machine weighs on both alike.
            for (var i = 0; i < snapshots; i++)
            {
                figures.OneTripMs.Add(await TimeAsync(() => session.CaptureAsync()));
                figures.PerSectionMs.Add(await TimeAsync(async () =>
                {
                    foreach (var section in StorageCapture.CommandsPerSection())
                        await session.Host.RunAsync(section);
                }));
            }

            var manifest = await session.Host.RunAsync(HostCommand.Shell($"head -n 20 {Manifest}"));
            var objects = manifest.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split("  ", 2)).Select(p => new ProbeObject(p[1], p[0])).ToList();
            await using var probe = DowntimeProbe.Start(new Uri($"http://127.0.0.1:{state.HttpPort}/"), objects);
            StorageFixOutcome? fix = null;
            figures.RepairWallSeconds = await TimeAsync(async () => fix = await session.FixAsync(checkMode: false)) / 1000;
            var downtime = await probe.StopAsync();

            figures.RepairSucceeded = fix!.Succeeded;
            figures.Changed = fix.Changed;
            figures.Steps.AddRange(fix.Steps.Select(s => new StepFigures(s.Id, s.Title, s.Status.ToString(), s.Duration.TotalMilliseconds, s.Error)));
            figures.FindingsLeft.AddRange(fix.After.Select(f => f.Check));
            figures.Probe = new ProbeFigures(downtime.Requests, downtime.Failures, downtime.LongestGap.TotalMilliseconds,
                downtime.MedianLatencyMs, downtime.MaxLatencyMs, [.. downtime.FirstFailures.Select(f => $"{f.Path}: {f.What}")]);
        }
        // Down here rather than in the next UpAsync, so the next boot's wall time is the boot alone.
        figures.DownMs = await TimeAsync(() => lab.DownAsync());
    }

    /// <summary>What holds the twin (its lab.json, or a qemu carrying its marker while it boots), or null when nothing does.</summary>
    /// <summary>
    /// The storage twin for a benchmark, its image built if it was missing; null (the reason printed) when someone
    /// else's twin is up, or the image cannot be built. Nothing is changed in either case.
    /// </summary>
    internal static async Task<StorageLab?> ClaimTwinAsync()
    {
        // One guest on fixed ports: UpAsync first removes whatever twin runs, so a twin someone else uses is left alone.
        if (TwinInUse() is { } user)
        {
            await Console.Error.WriteLineAsync($"bench: the storage twin is in use ({user}); run this when it is down. Nothing was changed.");
            return null;
        }
        var lab = new StorageLab();
        try
        {
            // Outside the timed boots: a missing image's build (minutes) is not a boot from the cached image.
            await lab.EnsureImageAsync();
            return lab;
        }
        catch (LabException e)
        {
            await Console.Error.WriteLineAsync($"bench: {e.Message}");
            return null;
        }
    }

    private static string? TwinInUse()
    {
        if (File.Exists(StorageLab.StateFile))
            return StorageLab.StateFile + " exists";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0').Contains("runbook-lab-vm:storage"))
                    return $"qemu PID {pid} runs it";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that ended while the list was read.
            }
        }
        return null;
    }

    /// <summary>qemu's -accel value as started (the guest's speed hangs on it), e.g. "tcg,thread=multi,tb-size=256".</summary>
    internal static string Accelerator(int qemuPid)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{qemuPid}/cmdline").Split('\0');
            var at = Array.IndexOf(arguments, "-accel");
            return at >= 0 && at + 1 < arguments.Length ? arguments[at + 1] : "default";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private void Write(List<RunFigures> results)
    {
        string Ms(Summary s) => string.Create(CultureInfo.InvariantCulture, $"{s.Median,8:0.0} ms  (min {s.Min:0.0}, max {s.Max:0.0}, n={s.Count})");
        string S(Summary s) => string.Create(CultureInfo.InvariantCulture, $"{s.Median,8:0.00} s   (min {s.Min:0.00}, max {s.Max:0.00}, n={s.Count})");
        var accel = results.Select(r => r.Accel).FirstOrDefault(a => a != "unknown") ?? "unknown";
        var accelName = accel.Split(',')[0];
        output.WriteLine($"storage benchmark (the real twin: one qemu guest, accel {accelName}{(accelName == "tcg" ? " = software emulation, no KVM" : "")}; this machine's load inflates every figure)");

        var bootToSsh = Summary.Of(results.Select(r => r.BootToSshSeconds));
        var oneTrip = Summary.Of(results.SelectMany(r => r.OneTripMs));
        var perSection = Summary.Of(results.SelectMany(r => r.PerSectionMs));
        var repair = Summary.Of(results.Select(r => r.RepairWallSeconds));
        var sectionCount = StorageCapture.CommandsPerSection().Count;
        var captureBytes = results.Select(r => r.CaptureBytes).FirstOrDefault(b => b > 0);
        output.WriteLine($"  boot to ssh (cached image)  {S(bootToSsh)}  goal <= {BootGoalSeconds:0} s: {(bootToSsh.Count == 0 ? "no figure" : bootToSsh.Median <= BootGoalSeconds ? "met" : "NOT met")}");
        output.WriteLine($"  boot to ready (objects up)  {S(Summary.Of(results.Select(r => r.BootToReadySeconds)))}");
        output.WriteLine($"  lab up (UpAsync wall)       {S(Summary.Of(results.Select(r => r.UpWallSeconds)))}");
        output.WriteLine($"  lab down                    {Ms(Summary.Of(results.Select(r => r.DownMs)))}");
        output.WriteLine($"  connect                     {Ms(Summary.Of(results.Select(r => r.ConnectMs)))}");
        output.WriteLine($"  snapshot, 1 round trip      {Ms(oneTrip)}  {captureBytes} bytes");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  baseline, {sectionCount} ssh (1/section) {Ms(perSection)}  ratio {perSection.Median / oneTrip.Median:0.0}x slower"));
        output.WriteLine($"  repair (FixAsync) wall      {S(repair)}");
        // Each step's duration covers its commands only; the capture after each step (its verification) and the one
        // the plan starts from make up the rest.
        output.WriteLine($"    of which step commands    {S(Summary.Of(results.Where(r => r.Steps.Count > 0).Select(r => r.StepCommandsSeconds)))}");
        output.WriteLine($"    captures and planning     {S(Summary.Of(results.Where(r => r.Steps.Count > 0).Select(r => r.RepairWallSeconds - r.StepCommandsSeconds)))}");
        output.WriteLine($"  probe during the repair: requests {Range(results.Where(r => r.Probe is not null).Select(r => (double)r.Probe!.Requests), "0")}, "
            + $"failures {Range(results.Where(r => r.Probe is not null).Select(r => (double)r.Probe!.Failures), "0")}, "
            + $"longest gap {Range(results.Where(r => r.Probe is not null).Select(r => r.Probe!.LongestGapMs), "0")} ms");

        // Summed per id within a run: a step that a second planning round repeats counts once, with both durations.
        var stepIds = results.SelectMany(r => r.Steps).Select(s => s.Id).Distinct().ToList();
        if (stepIds.Count > 0)
            output.WriteLine("  repair steps (duration, median over runs):");
        foreach (var id in stepIds)
        {
            var withStep = results.Where(r => r.Steps.Any(s => s.Id == id)).ToList();
            var duration = Summary.Of(withStep.Select(r => r.Steps.Where(s => s.Id == id).Sum(s => s.DurationMs) / 1000));
            var changed = withStep.Count(r => r.Steps.Any(s => s.Id == id && s.Status == nameof(StepStatus.Changed)));
            var title = results.SelectMany(r => r.Steps).First(s => s.Id == id).Title;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {id,-24} {duration.Median,7:0.00} s  changed {changed}/{withStep.Count}  {(title.Length > 70 ? title[..69] + "…" : title)}"));
        }

        foreach (var r in results)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  run {r.Run}: boot to ssh {r.BootToSshSeconds:0.00} s, ready {r.BootToReadySeconds:0.00} s, up {r.UpWallSeconds:0.00} s; repair {r.RepairWallSeconds:0.00} s, {r.Steps.Count} steps, changed {r.Changed}, {(r.RepairSucceeded ? "succeeded" : "FAILED")}");
            if (r.Probe is { } p)
                line += string.Create(CultureInfo.InvariantCulture, $"; probe {p.Requests} requests, {p.Failures} failed, longest gap {p.LongestGapMs:0} ms, latency median {p.MedianLatencyMs:0.0} ms, max {p.MaxLatencyMs:0.0} ms");
            output.WriteLine(line);
            foreach (var failed in r.Steps.Where(s => s.Error is not null))
                output.WriteLine($"    step {failed.Id} {failed.Status}: {failed.Error}");
            if (r.FindingsLeft.Count > 0)
                output.WriteLine($"    findings left after the repair: {string.Join(", ", r.FindingsLeft)}");
            var probeFailures = r.Probe?.FirstFailures ?? [];
            foreach (var failure in probeFailures.Take(ProbeFailuresShown))
                output.WriteLine($"    probe failure: {failure}");
            if (probeFailures.Count > ProbeFailuresShown)
                output.WriteLine($"    ({probeFailures.Count - ProbeFailuresShown} more probe failures in the JSON, which keeps the first {DowntimeProbe.FailuresKept})");
            if (r.Error is not null)
                output.WriteLine($"    run failed: {r.Error}");
        }
        output.WriteLine($"  repairs that succeeded with no finding left: {results.Count(r => r.Ok)}/{results.Count}");

        Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            accel,
            remountDelaySeconds = s_remountDelay.TotalSeconds,
            bootToSshSeconds = bootToSsh,
            bootGoalSeconds = BootGoalSeconds,
            bootToReadySeconds = Summary.Of(results.Select(r => r.BootToReadySeconds)),
            labUpSeconds = Summary.Of(results.Select(r => r.UpWallSeconds)),
            labDownMs = Summary.Of(results.Select(r => r.DownMs)),
            connectMs = Summary.Of(results.Select(r => r.ConnectMs)),
            snapshotMs = oneTrip,
            baselineMs = perSection,
            sectionsInBaseline = sectionCount,
            captureBytes,
            repairSeconds = repair,
            runs = results,
        }, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            // A phase a failed run never reached stays NaN; JSON has no NaN of its own.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        output.WriteLine($"  figures: {jsonPath}");
    }

    private static string Range(IEnumerable<double> values, string format)
    {
        var s = Summary.Of(values);
        return s.Count == 0 ? "-"
            : s.Min == s.Max ? s.Median.ToString(format, CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{s.Median.ToString(format, CultureInfo.InvariantCulture)} (min {s.Min.ToString(format, CultureInfo.InvariantCulture)}, max {s.Max.ToString(format, CultureInfo.InvariantCulture)})");
    }

    private sealed class RunFigures
    {
        public int Run { get; init; }
        public string Accel { get; set; } = "unknown";
        public double UpWallSeconds { get; set; } = double.NaN;
        public double BootToSshSeconds { get; set; } = double.NaN;
        public double BootToReadySeconds { get; set; } = double.NaN;
        public double ConnectMs { get; set; } = double.NaN;
        public int CaptureBytes { get; set; }
        public List<double> OneTripMs { get; } = [];
        public List<double> PerSectionMs { get; } = [];
        public double RepairWallSeconds { get; set; } = double.NaN;
        public bool RepairSucceeded { get; set; }
        public int Changed { get; set; }
        public List<StepFigures> Steps { get; } = [];
        public List<string> FindingsLeft { get; } = [];
        public ProbeFigures? Probe { get; set; }
        public double DownMs { get; set; } = double.NaN;
        public string? Error { get; set; }

        public double StepCommandsSeconds => Steps.Sum(s => s.DurationMs) / 1000;

        public bool Ok => Error is null && RepairSucceeded && FindingsLeft.Count == 0;
    }

    private sealed record StepFigures(string Id, string Title, string Status, double DurationMs, string? Error);

    private sealed record ProbeFigures(int Requests, int Failures, double LongestGapMs, double MedianLatencyMs, double MaxLatencyMs, List<string> FirstFailures);
}
