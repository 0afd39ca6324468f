using System.Diagnostics;

namespace Runbooks.Labs.Tests.Cli;

/// <summary>The real `runbook` program, built next to the tests, run as an engineer or CI runs it.</summary>
internal static class RunbookProgram
{
    public static Outcome Run(params string[] arguments) => Run(TimeSpan.FromMinutes(2), arguments);

    public static Outcome Run(TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "runbook"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"runbook {string.Join(' ', arguments)} ran over {limit}");
        }
        return new Outcome(process.ExitCode, stdout.Result, stderr.Result, stopwatch.Elapsed);
    }

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr, TimeSpan Duration)
    {
        public string Output => Stdout + Stderr;
    }
}
