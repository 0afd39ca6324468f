using System.Diagnostics;

namespace Runbooks.Benchmarks;

/// <summary>One measured process run: how it ended, its wall time, and the memory of its process tree.</summary>
internal sealed record ProcessRun(
    int ExitCode,
    bool TimedOut,
    double WallMs,
    string Stdout,
    string Stderr,
    long PeakTreeRssKb,
    IReadOnlyList<ProcessPeak> Processes,
    CpuClock.Usage Cpu);

/// <summary>Starts a program, watches its process tree, and kills the whole tree once the time limit passes.</summary>
internal static class MeasuredProcess
{
    public static async Task<ProcessRun> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit, TimeSpan pollInterval)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        var cpu = CpuClock.Read();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        using var monitor = new ProcessTreeMonitor(process.Id, pollInterval);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        var timedOut = false;
        using (var timeout = new CancellationTokenSource(limit))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        var wall = clock.Elapsed.TotalMilliseconds;
        monitor.Dispose();
        var used = CpuClock.Since(cpu);
        return new ProcessRun(
            process.ExitCode,
            timedOut,
            wall,
            await Drain(stdout).ConfigureAwait(false),
            await Drain(stderr).ConfigureAwait(false),
            monitor.PeakTreeRssKb,
            monitor.Peaks,
            used);
    }

    // A descendant that outlived the process (it should not) may still hold the pipe open.
    private static async Task<string> Drain(Task<string> reading)
    {
        try
        {
            return await reading.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return "(output not closed 5 s after the process exited: a descendant still holds it)";
        }
    }
}
