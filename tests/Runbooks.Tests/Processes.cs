using System.Diagnostics;

namespace Runbooks.Tests;

/// <summary>Runs a program to the end and returns its exit code and combined output.</summary>
internal static class Processes
{
    public sealed record Outcome(int ExitCode, string Output, string Stdout, string Stderr);

    public static Outcome Run(string program, params string[] arguments) => RunIn(null, null, program, arguments);

    public static Outcome RunIn(string? workingDirectory, string? stdin, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        using var process = Process.Start(start)!;
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran over 3 minutes");
        }
        return new Outcome(process.ExitCode, stdout.Result + stderr.Result, stdout.Result, stderr.Result);
    }
}
