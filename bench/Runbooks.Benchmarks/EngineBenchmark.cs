using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbooks.Benchmarks;

/// <summary>Settings of one <c>engine</c> benchmark run.</summary>
internal sealed record EngineOptions
{
    public int Runs { get; init; } = 5;

    public int Warmups { get; init; } = 1;

    public required string Runbook { get; init; }

    public string Python { get; init; } = "/usr/bin/python3";

    public TimeSpan Limit { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(20);

    public required string JsonPath { get; init; }

    public bool Keep { get; init; }
}

/// <summary>
/// The engine benchmark: cold wall time, per-cell overhead and peak memory of <c>runbook run</c> on
/// generated trivial notebooks, against Jupyter's nbclient running the equivalent Python notebooks, all
/// measured in the same run with fresh processes for every run.
/// </summary>
internal sealed class EngineBenchmark(EngineOptions options, TextWriter output)
{
    public const double ColdGoalMs = 1500;
    public const double PerCellGoalMs = 20;
    private const int Small = 10;
    private const int Large = 60;

    private sealed record Case(string Key, string Label, Executor Executor, IReadOnlyList<BenchCell> Cells, string Notebook)
    {
        public List<Sample> Samples { get; } = [];

        public IEnumerable<Sample> Ok => Samples.Where(s => s.Ok);
    }

    private sealed record Sample(int Run, ProcessRun Process, string? Failure, IReadOnlyList<double> CellMs)
    {
        public bool Ok => Failure is null;

        // Depth 0 is the program started (runbook / python running nbclient); deeper ones are its kernel(s).
        public long ClientPeakKb => Process.Processes.Where(p => p.Depth == 0).Sum(p => p.PeakRssKb);

        public long KernelPeakKb => Process.Processes.Where(p => p.Depth > 0).Sum(p => p.PeakRssKb);

        /// <summary>CPU that processes outside the measured tree and this benchmark used during the run, in cores.</summary>
        public double OtherLoad => Process.Cpu.OthersMs / Process.WallMs;
    }

    public async Task<int> RunAsync()
    {
        var started = DateTimeOffset.Now;
        if (!File.Exists(options.Runbook))
        {
            await Console.Error.WriteLineAsync($"bench: {options.Runbook} does not exist; run scripts/publish.sh first (scripts/bench.sh does).").ConfigureAwait(false);
            return 2;
        }
        var jupyter = await ProbePythonAsync().ConfigureAwait(false);
        var folder = Directory.CreateTempSubdirectory("runbook-bench-").FullName;
        try
        {
            var cases = new[]
            {
                CSharpCase(folder, "runbook10", Small),
                CSharpCase(folder, "runbook60", Large),
                PythonCase(folder, "nbclient10", Small),
                PythonCase(folder, "nbclient60", Large),
            };
            var machine = Machine();
            output.WriteLine($"engine benchmark, {started:yyyy-MM-dd HH:mm zzz}: {machine["cpu"]}, {machine["cores"]} cores, {machine["memoryMiB"]} MiB, {machine["os"]}");
            output.WriteLine($"  runbook:  {options.Runbook}");
            output.WriteLine($"  nbclient: {options.Python} (python {jupyter["python"]}, nbclient {jupyter["nbclient"]}, ipykernel {jupyter["ipykernel"]}); kernelspec python3: {jupyter["kernelspec"]}");
            output.WriteLine($"  load average before the runs: {File.ReadAllText("/proc/loadavg").Trim()}");
            output.WriteLine($"  {options.Runs} measured runs per notebook after {options.Warmups} warm-up run(s), interleaved; each run a fresh process, killed after {options.Limit.TotalSeconds:0} s; memory polled from /proc every {options.Poll.TotalMilliseconds:0} ms");
            output.WriteLine();

            for (var w = 1; w <= options.Warmups; w++)
                foreach (var c in cases)
                    await MeasureAsync(c, folder, -w, record: false).ConfigureAwait(false);
            for (var run = 1; run <= options.Runs; run++)
                foreach (var c in cases)
                    await MeasureAsync(c, folder, run, record: true).ConfigureAwait(false);
            var gnuTime = await GnuTimeCheckAsync(cases[0], folder).ConfigureAwait(false);

            var report = Report(cases, gnuTime);
            report["date"] = started.ToString("O", CultureInfo.InvariantCulture);
            report["machine"] = machine;
            report["jupyter"] = jupyter;
            report["options"] = new JsonObject
            {
                ["runs"] = options.Runs,
                ["warmups"] = options.Warmups,
                ["limitSeconds"] = options.Limit.TotalSeconds,
                ["pollMs"] = options.Poll.TotalMilliseconds,
                ["runbook"] = options.Runbook,
                ["python"] = options.Python,
            };
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.JsonPath))!);
            await File.WriteAllTextAsync(options.JsonPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n").ConfigureAwait(false);
            output.WriteLine();
            output.WriteLine($"figures written to {options.JsonPath}");
            return cases.All(c => c.Samples.All(s => s.Ok)) ? 0 : 1;
        }
        finally
        {
            if (options.Keep)
                output.WriteLine($"notebooks and executed copies kept in {folder}");
            else
                Directory.Delete(folder, recursive: true);
        }
    }

    private static Case CSharpCase(string folder, string key, int cells)
    {
        var source = BenchNotebooks.CSharp(cells);
        var path = Path.Combine(folder, $"{key}.ipynb");
        BenchNotebooks.WriteCSharpIpynb(path, source);
        return new Case(key, $"runbook run, {cells} C# cells", Executor.Runbook, source, path);
    }

    private static Case PythonCase(string folder, string key, int cells)
    {
        var source = BenchNotebooks.Python(cells);
        var path = Path.Combine(folder, $"{key}.ipynb");
        BenchNotebooks.WritePythonIpynb(path, source);
        return new Case(key, $"nbclient, {cells} Python cells", Executor.NbClient, source, path);
    }

    // The baseline exactly as the brief gives it, paths passed as arguments instead of spliced into the code.
    private const string NbClientScript =
        "import sys, nbformat; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); " +
        "NotebookClient(nb, kernel_name='python3', timeout=60).execute(); nbformat.write(nb, sys.argv[2])";

    private (string FileName, List<string> Arguments) Command(Case c, string executedCopy) => c.Executor switch
    {
        Executor.Runbook => (options.Runbook, ["run", c.Notebook, "-o", executedCopy]),
        _ => (options.Python, ["-c", NbClientScript, c.Notebook, executedCopy]),
    };

    private async Task<Sample> MeasureAsync(Case c, string folder, int run, bool record)
    {
        var executedCopy = Path.Combine(folder, $"{c.Key}.run{run}.out.ipynb");
        var (fileName, arguments) = Command(c, executedCopy);
        var process = await MeasuredProcess.RunAsync(fileName, arguments, folder, options.Limit, options.Poll).ConfigureAwait(false);
        var sample = Judge(c, run, process, executedCopy);
        if (record)
            c.Samples.Add(sample);
        var what = record ? $"run {run}" : $"warm-up {-run}";
        output.WriteLine(sample.Ok
            ? $"  {c.Key,-11} {what,-10} ok      {process.WallMs / 1000,7:0.000} s  tree peak {Mib(process.PeakTreeRssKb),6:0.0} MiB  cpu {process.Cpu.TreeMs / 1000,6:0.00} s  other load {sample.OtherLoad,4:0.00} cores"
            : $"  {c.Key,-11} {what,-10} FAILED  {sample.Failure}");
        if (!options.Keep)
            File.Delete(executedCopy);
        return sample;
    }

    private static Sample Judge(Case c, int run, ProcessRun process, string executedCopy)
    {
        string? failure = null;
        IReadOnlyList<double> cellMs = [];
        if (process.TimedOut)
            failure = $"killed after {process.WallMs / 1000:0} s";
        else
        {
            var verdict = ExecutedCopy.Check(executedCopy, c.Cells, c.Executor);
            if (process.ExitCode != 0)
                failure = $"exit code {process.ExitCode}" + (verdict.Failure is { } f ? $"; {f}" : string.Empty);
            else
                failure = verdict.Failure;
            cellMs = verdict.CellMilliseconds;
        }
        if (failure is not null)
        {
            var tail = (process.Stderr.Trim().Length > 0 ? process.Stderr : process.Stdout).Trim();
            if (tail.Length > 0)
                failure += "\n      last output: " + (tail.Length > 800 ? tail[^800..] : tail).ReplaceLineEndings("\n      ");
        }
        return new Sample(run, process, failure, cellMs);
    }

    /// <summary>
    /// GNU time's %M is the ru_maxrss wait4() reports for its child, which Linux computes as the max of the
    /// child's own peak and the peaks of the descendants it waited for: the largest single process, not
    /// the sum. Checked here against /proc: it must exceed the parent-only peak when the kernel is larger.
    /// </summary>
    private async Task<JsonObject?> GnuTimeCheckAsync(Case c, string folder)
    {
        const string time = "/usr/bin/time";
        if (!File.Exists(time))
        {
            output.WriteLine($"  ({time} not installed: GNU time %M cross-check skipped; memory is measured from /proc)");
            return null;
        }
        var executedCopy = Path.Combine(folder, $"{c.Key}.gnutime.out.ipynb");
        var maxRssFile = Path.Combine(folder, "gnutime.txt");
        var (fileName, arguments) = Command(c, executedCopy);
        var process = await MeasuredProcess.RunAsync(time, ["-f", "%M", "-o", maxRssFile, fileName, .. arguments], folder, options.Limit, options.Poll).ConfigureAwait(false);
        var sample = Judge(c, 0, process, executedCopy);
        if (!sample.Ok || !long.TryParse(File.Exists(maxRssFile) ? File.ReadAllText(maxRssFile).Trim().Split('\n')[^1] : "", NumberStyles.None, CultureInfo.InvariantCulture, out var maxRss))
        {
            output.WriteLine($"  GNU time cross-check failed: {sample.Failure ?? "no %M figure"}");
            return null;
        }
        // Under time the runbook process is depth 1 and its kernel depth 2.
        var parent = process.Processes.Where(p => p.Depth == 1).Sum(p => p.PeakRssKb);
        var kernel = process.Processes.Where(p => p.Depth >= 2).Select(p => p.PeakRssKb).DefaultIfEmpty(0).Max();
        var includesKernel = maxRss > parent && kernel > parent;
        output.WriteLine($"  GNU time check ({c.Key}): %M {maxRss:N0} KiB; /proc VmHWM: runbook process {parent:N0} KiB, kernel {kernel:N0} KiB, tree peak (sum) {process.PeakTreeRssKb:N0} KiB");
        output.WriteLine(includesKernel
            ? "    => %M exceeds the runbook process's own peak: it does cover the waited-for kernel child, but as the largest single process, not the sum; the tree peak below is the sum"
            : "    => %M does not exceed the runbook process's own peak: it does not show the kernel; use the /proc figures");
        return new JsonObject
        {
            ["case"] = c.Key,
            ["gnuTimeMaxRssKb"] = maxRss,
            ["runbookProcessPeakKb"] = parent,
            ["kernelPeakKb"] = kernel,
            ["treePeakSumKb"] = process.PeakTreeRssKb,
            ["percentMIncludesKernel"] = includesKernel,
            ["percentMIsSum"] = maxRss >= parent + kernel,
        };
    }

    private JsonObject Report(Case[] cases, JsonObject? gnuTime)
    {
        var byKey = cases.ToDictionary(c => c.Key);
        Summary Wall(string key) => Summary.Of(byKey[key].Ok.Select(s => s.Process.WallMs));
        Summary Tree(string key) => Summary.Of(byKey[key].Ok.Select(s => (double)s.Process.PeakTreeRssKb));
        Summary Client(string key) => Summary.Of(byKey[key].Ok.Select(s => (double)s.ClientPeakKb));
        Summary Kernel(string key) => Summary.Of(byKey[key].Ok.Select(s => (double)s.KernelPeakKb));
        Summary CellsAfterFirst(string key) => Summary.Of(byKey[key].Ok.SelectMany(s => s.CellMs.Skip(1)));
        Summary Cpu(string key) => Summary.Of(byKey[key].Ok.Select(s => s.Process.Cpu.TreeMs));
        Summary FirstCell(string key) => Summary.Of(byKey[key].Ok.Select(s => s.CellMs.Count > 0 ? s.CellMs[0] : double.NaN));

        var perCellRunbook = (Wall("runbook60").Median - Wall("runbook10").Median) / (Large - Small);
        var perCellNbClient = (Wall("nbclient60").Median - Wall("nbclient10").Median) / (Large - Small);
        var engineCell = CellsAfterFirst("runbook60");
        var kernelCell = CellsAfterFirst("nbclient60");
        var cold = Wall("runbook10");
        var wallRatio = cold.Median / Wall("nbclient10").Median;
        var memoryRatio = Tree("runbook10").Median / Tree("nbclient10").Median;
        var otherLoad = Summary.Of(cases.SelectMany(c => c.Samples).Select(s => s.OtherLoad));

        output.WriteLine();
        output.WriteLine("wall time (s) and peak resident memory (MiB) of successful runs; memory columns are medians over runs");
        output.WriteLine($"  {"notebook",-28} {"ok",5}  {"median",7} {"min",7} {"max",7}   {"tree peak",9} {"program",8} {"kernel",8}   {"cpu s",6}");
        foreach (var c in cases)
        {
            var wall = Wall(c.Key);
            output.WriteLine($"  {c.Label,-28} {c.Ok.Count(),2}/{c.Samples.Count,-2}  {Seconds(wall.Median),7} {Seconds(wall.Min),7} {Seconds(wall.Max),7}   {MibText(Tree(c.Key).Median),9} {MibText(Client(c.Key).Median),8} {MibText(Kernel(c.Key).Median),8}   {Seconds(Cpu(c.Key).Median),6}");
        }
        output.WriteLine("  tree peak = max over polls of the summed RSS of the program and its kernel; program/kernel = each process's own VmHWM;");
        output.WriteLine("  cpu s = user + system CPU time of the program and its kernel (getrusage of waited-for children), median");
        output.WriteLine($"  other processes' load during the runs: median {otherLoad.Median:0.00}, max {otherLoad.Max:0.00} cores of {Environment.ProcessorCount}"
            + (otherLoad.Median > 0.1 ? "  WARNING: the machine was busy; the wall times are inflated, rerun on a quiet machine" : string.Empty));
        output.WriteLine();
        output.WriteLine("per-cell overhead (ms)                                     runbook   nbclient");
        output.WriteLine($"  (median wall 60 cells - median wall 10 cells) / 50      {Ms(perCellRunbook),7}   {Ms(perCellNbClient),8}");
        output.WriteLine($"  median time per cell, cells 2..60 (executor's record)   {Ms(engineCell.Median),7}   {Ms(kernelCell.Median),8}");
        output.WriteLine($"  first cell (kernel start + first compile), median       {Ms(FirstCell("runbook10").Median),7}   {Ms(FirstCell("nbclient10").Median),8}");
        output.WriteLine("  runbook's record: metadata.runbook.duration_ms (engine-side, send to last output); nbclient's: kernel busy -> idle");
        output.WriteLine();
        output.WriteLine($"ratios runbook / nbclient, 10 cells: wall time {Ratio(wallRatio)}, tree peak memory {Ratio(memoryRatio)}");
        output.WriteLine();

        var goals = new JsonArray
        {
            Goal("cold run of a 10-cell notebook, median wall time", cold.Median, ColdGoalMs, v => $"{Seconds(v)} s", $"{Seconds(ColdGoalMs)} s"),
            Goal("per-cell overhead, (wall 60 - wall 10) / 50", perCellRunbook, PerCellGoalMs, v => $"{Ms(v)} ms", $"{PerCellGoalMs:0} ms"),
            Goal("per-cell overhead, median engine duration_ms of cells 2..60", engineCell.Median, PerCellGoalMs, v => $"{Ms(v)} ms", $"{PerCellGoalMs:0} ms"),
        };

        var failures = cases.SelectMany(c => c.Samples.Where(s => !s.Ok).Select(s => (c, s))).ToList();
        if (failures.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"{failures.Count} failed run(s), not timed:");
            foreach (var (c, s) in failures)
                output.WriteLine($"  {c.Key} run {s.Run}: {s.Failure}");
        }

        var caseJson = new JsonObject();
        foreach (var c in cases)
        {
            caseJson[c.Key] = new JsonObject
            {
                ["label"] = c.Label,
                ["cells"] = c.Cells.Count,
                ["runsOk"] = c.Ok.Count(),
                ["runs"] = c.Samples.Count,
                ["wallMs"] = Json(Wall(c.Key)),
                ["treePeakRssKb"] = Json(Tree(c.Key)),
                ["programPeakRssKb"] = Json(Client(c.Key)),
                ["kernelPeakRssKb"] = Json(Kernel(c.Key)),
                ["cpuMs"] = Json(Cpu(c.Key)),
                ["cellMsAfterFirst"] = Json(CellsAfterFirst(c.Key)),
                ["firstCellMs"] = Json(FirstCell(c.Key)),
                ["samples"] = new JsonArray([.. c.Samples.Select(s => (JsonNode)new JsonObject
                {
                    ["run"] = s.Run,
                    ["ok"] = s.Ok,
                    ["failure"] = s.Failure,
                    ["exitCode"] = s.Process.ExitCode,
                    ["wallMs"] = Number(s.Process.WallMs),
                    ["treePeakRssKb"] = s.Process.PeakTreeRssKb,
                    ["cpuMs"] = Number(s.Process.Cpu.TreeMs),
                    ["otherLoadCores"] = Number(s.OtherLoad),
                    ["processes"] = new JsonArray([.. s.Process.Processes.Select(p => (JsonNode)new JsonObject { ["pid"] = p.Pid, ["depth"] = p.Depth, ["name"] = p.Name, ["peakRssKb"] = p.PeakRssKb })]),
                    ["cellMs"] = new JsonArray([.. s.CellMs.Select(Number)]),
                })]),
            };
        }
        return new JsonObject
        {
            ["cases"] = caseJson,
            ["coldRunMs"] = Json(cold),
            ["otherLoadCores"] = Json(otherLoad),
            ["perCellOverheadMs"] = new JsonObject
            {
                ["runbookWall"] = Number(perCellRunbook),
                ["nbclientWall"] = Number(perCellNbClient),
                ["runbookEngineDurationMedian"] = Number(engineCell.Median),
                ["nbclientKernelBusyMedian"] = Number(kernelCell.Median),
            },
            ["memory"] = new JsonObject
            {
                ["method"] = $"/proc polling every {options.Poll.TotalMilliseconds:0} ms: tree peak = max of summed VmRSS of the program and its descendants; per process = VmHWM",
                ["runbook10TreePeakKb"] = Number(Tree("runbook10").Median),
                ["nbclient10TreePeakKb"] = Number(Tree("nbclient10").Median),
                ["gnuTimeCheck"] = gnuTime,
            },
            ["ratios"] = new JsonObject
            {
                ["wallRunbookOverNbclient10"] = Number(wallRatio),
                ["treePeakMemoryRunbookOverNbclient10"] = Number(memoryRatio),
            },
            ["goals"] = goals,
        };
    }

    private JsonObject Goal(string name, double value, double goal, Func<double, string> format, string goalText)
    {
        var met = !double.IsNaN(value) && value <= goal;
        output.WriteLine($"goal {name} <= {goalText}: {(double.IsNaN(value) ? "NOT MEASURED (no successful runs)" : met ? "met" : "NOT MET")} ({format(value)})");
        return new JsonObject { ["name"] = name, ["goal"] = goal, ["value"] = Number(value), ["met"] = met };
    }

    private async Task<JsonObject> ProbePythonAsync()
    {
        const string probe = """
            import json, sys
            info = {"python": sys.version.split()[0]}
            for name in ("nbclient", "ipykernel", "nbformat", "jupyter_client"):
                try:
                    info[name] = __import__(name).__version__
                except Exception as e:
                    info[name] = "MISSING (" + type(e).__name__ + ")"
            try:
                from jupyter_client.kernelspec import KernelSpecManager
                spec = KernelSpecManager().get_kernel_spec("python3")
                info["kernelspec"] = " ".join(spec.argv[:3]) + " (" + spec.resource_dir + ")"
            except Exception as e:
                info["kernelspec"] = "MISSING: " + str(e) + "; install one: " + sys.executable + " -m ipykernel install --sys-prefix"
            print(json.dumps(info))
            """;
        try
        {
            var run = await MeasuredProcess.RunAsync(options.Python, ["-c", probe], Environment.CurrentDirectory, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            if (run.ExitCode == 0 && JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1]) is JsonObject info)
                return info;
            return Unknown($"probe failed (exit {run.ExitCode}): {run.Stderr.Trim()}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException)
        {
            return Unknown(e.Message);
        }

        static JsonObject Unknown(string why) => new() { ["python"] = "?", ["nbclient"] = "?", ["ipykernel"] = "?", ["kernelspec"] = why };
    }

    private static JsonObject Machine()
    {
        static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var cpu = Read("/proc/cpuinfo").Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var os = Read("/etc/os-release").Split('\n').FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "unknown OS";
        var memKb = Read("/proc/meminfo").Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "0";
        return new JsonObject
        {
            ["cpu"] = cpu,
            ["cores"] = Environment.ProcessorCount,
            ["memoryMiB"] = long.Parse(memKb, CultureInfo.InvariantCulture) / 1024,
            ["os"] = os,
            ["kernel"] = Read("/proc/sys/kernel/osrelease").Trim(),
            ["dotnet"] = Environment.Version.ToString(),
        };
    }

    private static JsonObject Json(Summary s) => new() { ["n"] = s.Count, ["median"] = Number(s.Median), ["min"] = Number(s.Min), ["max"] = Number(s.Max) };

    private static JsonNode? Number(double value) => double.IsNaN(value) || double.IsInfinity(value) ? null : JsonValue.Create(Math.Round(value, 2));

    private static double Mib(long kb) => kb / 1024.0;

    private static string MibText(double kb) => double.IsNaN(kb) ? "n/a" : (kb / 1024).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Seconds(double ms) => double.IsNaN(ms) ? "n/a" : (ms / 1000).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Ms(double ms) => double.IsNaN(ms) ? "n/a" : ms.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Ratio(double r) => double.IsNaN(r) || double.IsInfinity(r) ? "n/a" : r.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
