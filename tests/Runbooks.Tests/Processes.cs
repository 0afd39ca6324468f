using System.Diagnostics;

namespace Runbooks.Tests;

/// <summary>Runs a program to the end and returns its exit code and combined output.</summary>
internal static class Processes
{
    public sealed record Outcome(int ExitCode, string Output, string Stdout, string Stderr);

    public static Outcome Run(string program, params string[] arguments) => RunIn(null, null, program, arguments);

    public static Outcome RunIn(string? workingDirectory, string? stdin, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program);
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Run(start, stdin, TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs <paramref name="start"/> (its program, arguments, folder and environment) with its output captured.</summary>
    public static Outcome Run(ProcessStartInfo start, string? stdin, TimeSpan limit)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.Environment["CI"] = "true";
        using var process = Process.Start(start)!;
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} ran over {limit}");
        }
        return new Outcome(process.ExitCode, stdout.Result + stderr.Result, stdout.Result, stderr.Result);
    }
}
