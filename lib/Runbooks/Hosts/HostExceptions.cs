using System.Globalization;
using Runbooks.Redaction;

namespace Runbooks.Hosts;

/// <summary>Anything that went wrong reaching a host or running a command on it.</summary>
public class HostException(string hostName, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The <see cref="IHost.Name"/> of the host involved.</summary>
    public string HostName { get; } = hostName;
}

/// <summary>
/// ssh could not open, or lost, its connection to the host: no command ran, or one was cut off.
/// The subclasses name the common causes; this type itself is used for the rest.
/// </summary>
public class HostConnectionException(string hostName, string target, string message, string sshDiagnostics)
    : HostException(hostName, message)
{
    /// <summary>Who and where, as <c>user@host:port</c>.</summary>
    public string Target { get; } = target;

    /// <summary>What ssh itself said (its log, without the remote command's output).</summary>
    public string SshDiagnostics { get; } = sshDiagnostics;
}

/// <summary>No SSH connection could be opened: the name did not resolve, the port refused or did not
/// answer, there was no route, or no SSH server greeted in time.</summary>
public sealed class HostUnreachableException(string hostName, string target, string message, string sshDiagnostics)
    : HostConnectionException(hostName, target, message, sshDiagnostics);

/// <summary>The SSH server answered but refused every credential offered.</summary>
public sealed class HostAuthenticationException(string hostName, string target, string message, string sshDiagnostics)
    : HostConnectionException(hostName, target, message, sshDiagnostics);

/// <summary>The host presented a key different from the one recorded in known_hosts: either the
/// machine was re-keyed (reinstalled) or the connection is being intercepted. ssh refused to go on.</summary>
public sealed class HostKeyMismatchException(string hostName, string target, string message, string sshDiagnostics)
    : HostConnectionException(hostName, target, message, sshDiagnostics)
{
    /// <summary>The known_hosts file and line holding the old key, when ssh said.</summary>
    public string? OffendingKeyLocation { get; init; }

    /// <summary>The fingerprint of the key the host sent (<c>SHA256:…</c>), when ssh said.</summary>
    public string? PresentedFingerprint { get; init; }
}

/// <summary>The host's key is not in known_hosts and <see cref="HostKeyPolicy.Strict"/> forbids adding it.</summary>
public sealed class HostKeyUnknownException(string hostName, string target, string message, string sshDiagnostics)
    : HostConnectionException(hostName, target, message, sshDiagnostics);

/// <summary>The connection broke while a command ran (network gone, host rebooted, sshd restarted):
/// the command may or may not have finished on the host.</summary>
public sealed class HostConnectionLostException(string hostName, string target, string message, string sshDiagnostics)
    : HostConnectionException(hostName, target, message, sshDiagnostics);

/// <summary>A command ended with a non-zero exit code under <see cref="CommandValidation.ZeroExitCode"/>.</summary>
public sealed class HostCommandException(CommandResult result, string? description)
    : HostException(result.HostName, MessageFor(result, description))
{
    public CommandResult Result { get; } = result;

    private const int StderrLinesInMessage = 5;

    private static string MessageFor(CommandResult result, string? description)
    {
        var what = description is null ? $"`{result.CommandLine}`" : $"{description} (`{result.CommandLine}`)";
        var message = $"{what} failed on {result.HostName} with exit code {result.ExitCode}";
        var stderr = Tail(result.StandardError, StderrLinesInMessage);
        // Messages travel further than transcripts (logs, CI output), and a command line can hold a key
        // (echo "PrivateKey = …" > wg0.conf), so they get the same redaction.
        return Redactor.Default.Redact(stderr.Length == 0 ? message + " and wrote nothing to stderr." : message + ": " + stderr);
    }

    internal static string Tail(string text, int lines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines))).Trim();
    }
}

/// <summary>
/// A command did not finish in time. With a local timeout (<see cref="HostCommand.WithTimeout"/>) the
/// local process was killed and, over ssh, the command may still be running on the host; with a remote
/// timeout (<see cref="HostCommand.WithRemoteTimeout"/>) the host stopped it.
/// </summary>
public sealed class HostCommandTimeoutException : HostException
{
    public HostCommandTimeoutException(string hostName, HostCommand command, TimeSpan timeout, bool stoppedOnHost,
        bool mayStillRunOnHost, string partialStandardOutput, string partialStandardError)
        : base(hostName, MessageFor(hostName, command, timeout, stoppedOnHost, mayStillRunOnHost))
    {
        CommandLine = command.CommandLine;
        Timeout = timeout;
        StoppedOnHost = stoppedOnHost;
        MayStillRunOnHost = mayStillRunOnHost;
        PartialStandardOutput = partialStandardOutput;
        PartialStandardError = partialStandardError;
    }

    public string CommandLine { get; }

    public TimeSpan Timeout { get; }

    /// <summary>True when the host's <c>timeout</c> stopped the command, false when it was stopped locally.</summary>
    public bool StoppedOnHost { get; }

    /// <summary>True when only the local side was stopped and nothing on the host will stop the command.</summary>
    public bool MayStillRunOnHost { get; }

    /// <summary>What the command wrote before it was stopped (not redacted).</summary>
    public string PartialStandardOutput { get; }

    public string PartialStandardError { get; }

    private static string MessageFor(string hostName, HostCommand command, TimeSpan timeout, bool stoppedOnHost, bool mayStillRun)
    {
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var what = command.Description is null ? $"`{command.CommandLine}`" : $"{command.Description} (`{command.CommandLine}`)";
        var outcome = stoppedOnHost
            ? "the host's timeout stopped it."
            : mayStillRun
                ? "it was stopped here, but may still be running on the host: add WithRemoteTimeout to have the host stop it."
                : command.RemoteTimeout is null ? "it was stopped." : "it was stopped here, and the host's own timeout stops it there.";
        return Redactor.Default.Redact($"{what} did not finish on {hostName} within {seconds} s; {outcome}");
    }
}
