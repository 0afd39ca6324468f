namespace Runbooks.Capture;

/// <summary>A section of the capture that failed: the command, its exit code and what it printed on stderr; or a
/// section whose output could not be parsed (exit code 0, the parser's message).</summary>
/// <param name="Section">The section's name in the capture: addr, route4, wg-dump, wg-config /etc/wireguard/wg0.conf…</param>
/// <param name="ExitCode">The command's exit code: 127 when it is not installed, 0 when its output could not be
/// parsed, -1 when the section never ended (the capture was cut short).</param>
public sealed record CaptureProblem(string Section, string Command, int ExitCode, string Message)
{
    /// <summary>Marks a section that never ended, so it has no exit code.</summary>
    public const int NoExitCode = -1;
}
