namespace Runbooks.Hosts;

/// <summary>A machine lacks a tool the runbook needs. Raised before anything changes.</summary>
public sealed class MissingToolException(string hostName, string message) : HostException(hostName, message);

/// <summary>Checks, in one command, that a machine has the tools a runbook will run, before it runs any of them.</summary>
public static class RequiredTools
{
    /// <param name="who">How the message names the machine, e.g. "the client (fdaa::3)".</param>
    /// <param name="packageOf">The package that provides a tool, for the message.</param>
    /// <exception cref="MissingToolException">Some are missing; the message names them and their packages.</exception>
    public static async Task CheckAsync(IHost host, string who, IReadOnlyList<string> tools, Func<string, string> packageOf, CancellationToken cancellationToken = default)
    {
        // bash's `command -v` also names a file it cannot execute; only an executable regular file counts.
        var check = string.Join("; ", tools.Select(t => $"p=$(command -v {ShellQuote.Quote(t)} 2>/dev/null); [ -f \"$p\" ] && [ -x \"$p\" ] || echo {ShellQuote.Quote(t)}"));
        var result = await host.RunAsync(HostCommand.Shell($"PATH=\"$PATH:/usr/sbin:/sbin\"; {check}")
            .WithDescription("check the tools the runbook needs")
            .WithRemoteTimeout(TimeSpan.FromSeconds(10)), cancellationToken).ConfigureAwait(false);
        var missing = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (missing.Length > 0)
            throw new MissingToolException(host.Name,
                $"{who} lacks {string.Join(", ", missing)}: install {string.Join(", ", missing.Select(packageOf).Distinct())} on it (apt-get install …), then run again. Nothing was changed.");
    }
}
