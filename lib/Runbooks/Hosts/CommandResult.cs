namespace Runbooks.Hosts;

/// <summary>How one command ended on one host. Outputs are as the command wrote them (not redacted):
/// they are for the runbook's code to parse; <see cref="Transcript"/> is what gets shown.</summary>
/// <param name="HostName">The <see cref="IHost.Name"/> it ran on.</param>
/// <param name="CommandLine">The line the host's shell received (<see cref="HostCommand.CommandLine"/>).</param>
/// <param name="ExitCode">The command's exit code; for a command killed by a signal, 128 + the signal number.</param>
/// <param name="StandardOutput">Decoded as UTF-8.</param>
/// <param name="StandardError">The command's own standard error; ssh's messages are kept out of it.</param>
/// <param name="StartedAt">When the host started it (local clock).</param>
/// <param name="Duration">From start to exit, as measured here: over ssh it includes the round trip.</param>
public sealed record CommandResult(
    string HostName,
    string CommandLine,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    DateTimeOffset StartedAt,
    TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}
