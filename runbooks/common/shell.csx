// Shell helpers for runbooks that look at the machine they run on. Runbooks that reach other
// machines use the Runbooks library's hosts instead; this keeps the first runbook self-contained.
using System.Diagnostics;

/// <summary>One command's outcome: what ran, how it ended, what it printed (stdout and stderr together).</summary>
public sealed record ShellResult(string Command, int ExitCode, string Output, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    public IEnumerable<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs <paramref name="command"/> with bash; a non-zero exit throws unless <paramref name="check"/> is false.</summary>
public static ShellResult Sh(string command, bool check = true, int timeoutSeconds = 30)
{
    var start = new ProcessStartInfo("bash", new[] { "-c", command })
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
    {
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"`{command}` did not finish within {timeoutSeconds} s");
    }
    var result = new ShellResult(command, process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed);
    if (check && !result.Succeeded)
        throw new InvalidOperationException($"`{command}` exited {result.ExitCode}: {result.Output.Trim()}");
    return result;
}
