using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Install;
using Runbooks.Autoextend.Policy;
using Runbooks.Hosts;
using Runbooks.Labs;
using Runbooks.Labs.Storage;
using Runbooks.Storage;

namespace Runbooks.Benchmarks;

/// <summary>The grower benchmark's options. <see cref="MegabytesPerSecond"/> is in 10^6 bytes, as dd reports rates.</summary>
internal sealed record GrowerOptions(double MegabytesPerSecond, long Bytes, string JsonPath, string BuildFolder)
{
    public const double DefaultMegabytesPerSecond = 50;

    public const long DefaultBytes = 1600L << 20;
}

/// <summary>
/// The grower under load, on the real twin: one boot and repair, then on fresh identical volumes (vg0/bench, 1 GiB
/// ext4) one contender after the other: ours (the installed grower) and the baseline (a loop polling df every 2 s,
/// lvextend -r at 80 %). Each is measured idle (its CPU), then while a writer writes the same bytes at a fixed rate:
/// ENOSPC failures, least free space, and for each grow when it started against when the writer first saw the
/// threshold crossed, and how long it took. The twin is taken down at the end, also when something failed.
/// </summary>
internal sealed class GrowerBenchmark(GrowerOptions options, TextWriter output)
{
    private const string VolumeGroup = "vg0";
    private const string LogicalVolume = "bench";
    private const string Volume = VolumeGroup + "/" + LogicalVolume;
    private const string Mount = "/mnt/bench";
    private const string LoadFolder = Mount + "/load";
    private const long InitialSize = 1L << 30;
    private const long Step = AutoextendPolicy.DefaultStep;
    private const double Threshold = 80;
    private const double DetectionGoalSeconds = 1;

    // What vg0 has free after the repair (4 PVs of 1796 MiB, data0 4096 MiB): the run checks the real figure.
    private const long ExpectedGroupFree = 3088L << 20;

    private static readonly TimeSpan s_writerLimit = TimeSpan.FromSeconds(240);

    // The grower spends seconds of CPU on its start under emulation; its idle cost is what comes after.
    private static readonly TimeSpan s_idleSettle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_idleWindow = TimeSpan.FromSeconds(30);

    /// <summary>The LV needed to hold <paramref name="bytes"/> below the threshold (ext4 keeps a few % and its
    /// journal), plus one more step: the baseline grows by whole steps after the crossing.</summary>
    public static long RoomNeeded(long bytes) => Math.Max(InitialSize, (long)(bytes * 100 / Threshold * 1.05) + (64L << 20)) + Step;

    /// <summary>Why <paramref name="bytes"/> cannot fit in a VG with <paramref name="groupFree"/> free, or null.</summary>
    public static string? RoomProblem(long bytes, long groupFree) => RoomNeeded(bytes) <= groupFree ? null
        : $"{bytes >> 20} MiB written needs vg0/bench to reach about {RoomNeeded(bytes) >> 20} MiB (below {Threshold:0} % used, ext4's overhead, one step to spare), "
          + $"and vg0 has {groupFree >> 20} MiB free: use a smaller --bytes";

    public async Task<int> RunAsync()
    {
        if (RoomProblem(options.Bytes, ExpectedGroupFree) is { } room)
        {
            await Console.Error.WriteLineAsync($"bench: {room} (vg0 has about {ExpectedGroupFree >> 20} MiB free after the repair)");
            return 2;
        }
        GrowerBuild build;
        try
        {
            build = GrowerBuild.Open(options.BuildFolder);
        }
        catch (FileNotFoundException e)
        {
            await Console.Error.WriteLineAsync($"bench: {e.Message}");
            return 2;
        }
        if (await StorageBenchmark.ClaimTwinAsync() is not { } lab)
            return 2;

        var run = new RunFigures { HostLoad = File.ReadAllText("/proc/loadavg").Split(' ')[0] };
        IGrowthContender[] contenders = [new InstalledGrower(build, Volume), new DfPollingBaseline(Volume, Mount)];
        try
        {
            Progress("booting the twin");
            var state = await lab.UpAsync(TimeSpan.Zero);
            run.Accel = StorageBenchmark.Accelerator(state.QemuPid);
            await using var session = await StorageSession.ConnectAsync(state.SshTarget());
            Progress("repairing it (about a minute)");
            var fix = await session.FixAsync(checkMode: false);
            if (!fix.Succeeded)
                throw new ContenderFailedException("the repair failed: " + string.Join("; ", fix.Steps.Where(s => s.Error is not null).Select(s => $"{s.Id}: {s.Error}")));
            run.GroupFree = await LvmBytesAsync(session.Host, $"vgs --noheadings --units b --nosuffix -o vg_free {VolumeGroup}");
            if (RoomProblem(options.Bytes, run.GroupFree) is { } problem)
                throw new ContenderFailedException(problem);
            foreach (var contender in contenders)
                run.Contenders.Add(await MeasureAsync(session.Host, contender));
        }
        catch (Exception e) when (e is LabException or HostException or StorageRepairBlockedException or ContenderFailedException or FormatException)
        {
            run.Error = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            Progress("taking the twin down");
            await lab.DownAsync();
        }

        Write(run);
        return run.Ok ? 0 : 1;
    }

    private async Task<ContenderFigures> MeasureAsync(IHost host, IGrowthContender contender)
    {
        var figures = new ContenderFigures { Name = contender.Name, Description = contender.Description };
        int? running = null;
        try
        {
            await host.RunAsync(CreateVolume());
            var from = await GuestTimeAsync(host);
            Progress($"{contender.Name}: starting it");
            running = await contender.StartAsync(host);
            Progress($"{contender.Name}: its idle CPU ({(s_idleSettle + s_idleWindow).TotalSeconds:0} s)");
            figures.Idle = await IdleCpuAsync(host, running.Value);
            Progress($"{contender.Name}: writing {options.Bytes >> 20} MiB at {options.MegabytesPerSecond:0.#} MB/s");
            var written = await host.RunAsync(GrowerLoad.Command(LoadFolder, options.Bytes, options.MegabytesPerSecond * 1e6, s_writerLimit)
                .WithValidation(CommandValidation.None));
            if (written.ExitCode != 0)
                throw new ContenderFailedException($"the writer failed (exit {written.ExitCode}): {written.StandardError.Trim()}");
            var writer = WriterRun.Parse(written.StandardOutput);
            figures.Writer = writer;
            figures.Settled = await SettleAsync(host);
            await contender.StopAsync(host, running.Value);
            running = null;
            var actions = await contender.ActionsAsync(host, from, await GuestTimeAsync(host));
            (figures.Grows, figures.UnansweredCrossing) = GrowFigures.Analyse(actions.Grows, writer, Threshold);
            figures.Alerts = actions.Alerts;
            figures.Errors = actions.Errors;
            figures.FinalVolumeSize = await LvmBytesAsync(host, $"lvs --noheadings --units b --nosuffix -o lv_size {Volume}");
        }
        catch (Exception e) when (e is HostException or ContenderFailedException or FormatException or JsonException or KeyNotFoundException
                                       or InvalidOperationException or HistoryFormatException or GrowerInstallBlockedException or PolicyException)
        {
            figures.Error = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            // Stopped before the volume goes: a grower left running would grow the next contender's volume too.
            try
            {
                if (running is { } pid)
                    await contender.StopAsync(host, pid);
                await host.RunAsync(RemoveVolume());
            }
            catch (HostException e)
            {
                figures.Error ??= $"cleaning up: {e.Message}";
            }
        }
        Progress($"{contender.Name}: done{(figures.Error is null ? "" : ": " + figures.Error)}");
        return figures;
    }

    private static HostCommand CreateVolume() => HostCommand.Shell($"""
        export LVM_SUPPRESS_FD_WARNINGS=1
        ! mountpoint -q {Mount} || umount {Mount}
        ! lvs {Volume} > /dev/null 2>&1 || lvremove -y {Volume} > /dev/null
        lvcreate -y -L {InitialSize >> 20}m -n {LogicalVolume} {VolumeGroup} > /dev/null
        mkfs.ext4 -q /dev/{Volume}
        mkdir -p {Mount} && mount /dev/{Volume} {Mount}
        mkdir {LoadFolder} && chown {GrowerLoad.WriterUid}:{GrowerLoad.WriterUid} {LoadFolder}
        """).WithTimeout(TimeSpan.FromMinutes(2)).WithDescription($"create {Volume} ({InitialSize >> 20} MiB, ext4) and mount it on {Mount}");

    private static HostCommand RemoveVolume() => HostCommand.Shell($"""
        export LVM_SUPPRESS_FD_WARNINGS=1
        ! mountpoint -q {Mount} || umount {Mount} || (sleep 2; umount {Mount})
        ! lvs {Volume} > /dev/null 2>&1 || lvremove -y {Volume} > /dev/null
        """).WithTimeout(TimeSpan.FromMinutes(2)).WithDescription($"unmount and remove {Volume}");

    /// <summary>
    /// CPU of the process and of the children it reaped (the baseline's df, awk and sleep; the grower runs none when
    /// idle) over <see cref="s_idleWindow"/>, after <see cref="s_idleSettle"/>, from /proc/PID/stat; the window is
    /// measured on the guest's /proc/uptime.
    /// </summary>
    private static async Task<IdleCpu> IdleCpuAsync(IHost host, int pid)
    {
        var result = await host.RunAsync(HostCommand.Shell($$"""
            ticks() { sed 's/^.*) //' /proc/{{pid}}/stat | cut -d' ' -f12-15; }
            sleep {{s_idleSettle.TotalSeconds:0}}
            a=$(cut -d' ' -f1 /proc/uptime); ta=$(ticks)
            sleep {{s_idleWindow.TotalSeconds:0}}
            b=$(cut -d' ' -f1 /proc/uptime); tb=$(ticks)
            echo "$(getconf CLK_TCK) $a $b $ta $tb"
            """).WithTimeout(s_idleSettle + s_idleWindow + TimeSpan.FromSeconds(60)).WithDescription($"CPU of PID {pid} while the volume is idle"));
        var f = result.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        if (f.Length != 11)
            throw new ContenderFailedException($"PID {pid} ended while its CPU was measured: {result.StandardOutput.Trim()}");
        var (hz, seconds) = (f[0], f[2] - f[1]);
        double Percent(double ticks) => ticks / hz / seconds * 100;
        return new IdleCpu(seconds, Percent(f[7] + f[8] - f[3] - f[4]), Percent(f[9] + f[10] - f[5] - f[6]));
    }

    /// <summary>After the writer: until no grow runs and the volume is below the threshold (at most 30 s), so a
    /// crossing at the very end is answered before the contender is stopped. False if it never got there.</summary>
    private static async Task<bool> SettleAsync(IHost host) =>
        (await host.RunAsync(HostCommand.Shell($$"""
            i=0
            while pgrep -x 'lvextend|fsadm|resize2fs' > /dev/null || ! df -P -B1 {{Mount}} | awk 'NR == 2 { exit !($3 * 100 < {{Threshold}} * ($3 + $4)) }'; do
              i=$((i + 1)); [ $i -lt 60 ] || exit 1; sleep 0.5
            done
            """).WithValidation(CommandValidation.None).WithTimeout(TimeSpan.FromMinutes(2)))).ExitCode == 0;

    private static async Task<double> GuestTimeAsync(IHost host) =>
        double.Parse((await host.RunAsync(HostCommand.Shell("date +%s.%N"))).StandardOutput.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static async Task<long> LvmBytesAsync(IHost host, string command) =>
        long.Parse((await host.RunAsync(HostCommand.Shell($"LVM_SUPPRESS_FD_WARNINGS=1 {command}"))).StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

    private static void Progress(string what) => Console.Error.WriteLine($"grower bench {DateTime.Now:HH:mm:ss}: {what}");

    private void Write(RunFigures run)
    {
        var accelName = run.Accel.Split(',')[0];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"grower benchmark (the storage twin: qemu, accel {accelName}{(accelName == "tcg" ? " = software emulation, no KVM" : "")}; host load {run.HostLoad}): "
            + $"{options.Bytes >> 20} MiB written at {options.MegabytesPerSecond:0.#} MB/s into a fresh {InitialSize >> 20} MiB ext4 {Volume}, vg0 {run.GroupFree >> 20} MiB free"));
        var ours = run.Contenders.FirstOrDefault(c => c.Name == "ours");
        var baseline = run.Contenders.FirstOrDefault(c => c.Name == "baseline");
        foreach (var c in run.Contenders)
            output.WriteLine($"  {c.Name}: {c.Description}");

        void Row(string label, Func<ContenderFigures, string> value, string ratio = "") =>
            output.WriteLine($"  {label,-34} {(ours is null ? "-" : value(ours)),-28} {(baseline is null ? "-" : value(baseline)),-28} {ratio}");
        string Ratio(Func<ContenderFigures, double> value) => ours is null || baseline is null ? "" : RatioText(value(baseline), value(ours));

        output.WriteLine($"  {"",-34} {"ours",-28} {"baseline",-28} ratio baseline / ours");
        output.WriteLine("  " + new string('-', 34 + 1 + 28 + 1 + 28 + 1 + 21));
        Row("write rate achieved (MB/s)", c => c.Writer is { } w ? F($"{w.AchievedBytesPerSecond / 1e6:0.0} in {w.Seconds:0.0} s{(w.TimedOut ? ", TIMED OUT" : "")}") : "-");
        Row("ENOSPC failures", c => c.Writer is { } w ? F($"{w.Failures.Length}") : "-", Ratio(c => c.Writer?.Failures.Length ?? double.NaN));
        Row("  time stalled by them", c => c.Writer is { } w ? F($"{w.StalledSeconds:0.0} s") : "-");
        Row("least free space", c => c.Writer is { } w ? Mib(w.LeastAvailable) : "-", Ratio(c => c.Writer?.LeastAvailable ?? double.NaN));
        Row("grows", c => F($"{c.Grows.Length}{(c.Grows.Any(g => !g.Succeeded) ? $" ({c.Grows.Count(g => !g.Succeeded)} failed)" : "")}"));
        Row("  ahead of the 80 % crossing", c => F($"{c.Grows.Count(g => g.AheadOfCrossing)}"));
        Row("  detection latency, median (max)", c => Seconds(c.Grows.Where(g => !g.AheadOfCrossing).Select(g => g.DetectionSeconds!.Value)),
            Ratio(c => Summary.Of(c.Grows.Where(g => !g.AheadOfCrossing).Select(g => g.DetectionSeconds!.Value)).Median));
        Row("  grow duration, median (max)", c => Seconds(c.Grows.Select(g => g.Seconds)));
        Row("  used % at each grow's start", c => c.Grows.Length == 0 ? "-" : string.Join(" ", c.Grows.Select(g => F($"{g.UsedPercentAtStart:0}"))));
        Row("crossing never answered", c => c.UnansweredCrossing is null ? "no" : "YES");
        Row("idle CPU (% of one vCPU)", c => c.Idle is { } i ? F($"{i.Percent:0.00} ({i.SelfPercent:0.00} + {i.ChildrenPercent:0.00} children)") : "-",
            Ratio(c => c.Idle?.Percent ?? double.NaN));
        Row("final size of vg0/bench", c => c.FinalVolumeSize > 0 ? Mib(c.FinalVolumeSize) : "-");
        Row("alerts / errors recorded", c => F($"{c.Alerts} / {c.Errors}"));

        foreach (var c in run.Contenders)
        {
            output.WriteLine($"  {c.Name}, goals: ENOSPC 0: {(c.Writer is null ? "no figure" : c.Writer.Failures.IsEmpty ? "met" : $"NOT met ({c.Writer.Failures.Length})")}; "
                + $"detection <= {DetectionGoalSeconds:0} s: {DetectionVerdict(c)}");
            if (!c.Settled && c.Writer is not null)
                output.WriteLine($"    the volume was still at or above {Threshold:0} % used (or a grow ran) 30 s after the writer ended");
            if (c.Error is not null)
                output.WriteLine($"    failed: {c.Error}");
        }
        if (run.Error is not null)
            output.WriteLine($"  run failed: {run.Error}");

        Directory.CreateDirectory(Path.GetDirectoryName(options.JsonPath)!);
        File.WriteAllText(options.JsonPath, JsonSerializer.Serialize(new
        {
            run.Accel,
            run.HostLoad,
            options.MegabytesPerSecond,
            options.Bytes,
            initialSize = InitialSize,
            step = Step,
            thresholdPercent = Threshold,
            chunkBytes = GrowerLoad.ChunkBytes,
            writerLimitSeconds = s_writerLimit.TotalSeconds,
            idleSettleSeconds = s_idleSettle.TotalSeconds,
            run.GroupFree,
            run.Error,
            contenders = run.Contenders,
        }, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            // A figure a failed contender never reached stays NaN; JSON has no NaN of its own.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        output.WriteLine($"  figures (and every point of the writer's log): {options.JsonPath}");
    }

    private static string DetectionVerdict(ContenderFigures c)
    {
        if (c.Writer is null)
            return "no figure";
        if (c.UnansweredCrossing is not null)
            return "NOT met (a crossing was never answered)";
        var late = c.Grows.Where(g => g.DetectionSeconds > DetectionGoalSeconds).ToList();
        var ahead = c.Grows.Count(g => g.AheadOfCrossing);
        var measured = c.Grows.Where(g => !g.AheadOfCrossing).Select(g => g.DetectionSeconds!.Value).ToList();
        var detail = F($"{ahead} of {c.Grows.Length} grows ahead of the crossing{(measured.Count > 0 ? F($", the others {measured.Max():0.00} s at most") : "")}");
        return late.Count == 0 ? $"met ({detail})" : $"NOT met ({late.Count} later than {DetectionGoalSeconds:0} s; {detail})";
    }

    private static string RatioText(double baseline, double ours) =>
        double.IsNaN(baseline) || double.IsNaN(ours) ? "-"
        : ours == 0 ? (baseline == 0 ? "- (both 0)" : "inf (ours 0)")
        : F($"{baseline / ours:0.00}x");

    private static string Seconds(IEnumerable<double> values)
    {
        var s = Summary.Of(values);
        return s.Count == 0 ? "-" : F($"{s.Median:0.00} s ({s.Max:0.00})");
    }

    private static string Mib(long bytes) => F($"{bytes / 1048576.0:0} MiB");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record IdleCpu(double WindowSeconds, double SelfPercent, double ChildrenPercent)
    {
        public double Percent => SelfPercent + ChildrenPercent;
    }

    private sealed class RunFigures
    {
        public string Accel { get; set; } = "unknown";
        public string HostLoad { get; init; } = "";
        public long GroupFree { get; set; }
        public List<ContenderFigures> Contenders { get; } = [];
        public string? Error { get; set; }

        public bool Ok => Error is null && Contenders.Count == 2 && Contenders.All(c => c.Error is null);
    }

    private sealed class ContenderFigures
    {
        public required string Name { get; init; }
        public required string Description { get; init; }
        public IdleCpu? Idle { get; set; }
        public WriterRun? Writer { get; set; }
        public bool Settled { get; set; }
        public ImmutableArray<GrowFigures> Grows { get; set; } = [];
        public double? UnansweredCrossing { get; set; }
        public int Alerts { get; set; }
        public int Errors { get; set; }
        public long FinalVolumeSize { get; set; }
        public string? Error { get; set; }
    }
}
