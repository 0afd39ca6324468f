using System.Net.Sockets;
using Renci.SshNet.Common;
using Runbooks.Redaction;

namespace Runbooks.Hosts;

/// <summary>Turns what SSH.NET throws while connecting into the exceptions, and the words, of the OpenSSH transport
/// (<see cref="SshFailures"/> builds both), so code and readers need not know which transport ran.</summary>
internal static class SshNetFailures
{
    private const string Client = SshNetConnection.Client;

    /// <param name="refusal">What the host key check refused, if it did.</param>
    /// <param name="deadlineHit">The connection attempt was abandoned after <paramref name="limit"/>.</param>
    public static HostConnectionException OnConnect(Exception error, HostKeyRefusal? refusal, string hostName, SshTarget target, TimeSpan limit, bool deadlineHit)
    {
        var said = Said(error);
        if (refusal is not null)
            return HostKey(refusal, hostName, target, said);
        if (error is HostAuthenticationException credentials)
            return credentials;
        return error switch
        {
            SshAuthenticationException => SshFailures.LoginRefused(hostName, target, null, error.Message, said, Client),
            SocketException socket when Cause(socket.SocketErrorCode) is { } cause => SshFailures.Unreachable(hostName, target, cause, error.Message, said, Client),
            // The socket connected within the timeout, or SSH.NET says it did not: which, its message tells.
            SshOperationTimeoutException when error.Message.Contains("establish", StringComparison.Ordinal)
                => SshFailures.Unreachable(hostName, target, SshFailures.UnreachableCause.TimedOut, error.Message, said, Client),
            SshOperationTimeoutException => SshFailures.Unreachable(hostName, target, SshFailures.UnreachableCause.NoGreeting, error.Message, said, Client),
            SshConnectionException or SshException when error.Message.Contains("identification", StringComparison.OrdinalIgnoreCase)
                || error.Message.Contains("aborted by the server", StringComparison.OrdinalIgnoreCase)
                => SshFailures.Unreachable(hostName, target, SshFailures.UnreachableCause.ClosedBeforeSsh, error.Message, said, Client),
            OperationCanceledException when deadlineHit => SshFailures.NoAnswerInTime(hostName, target, limit, said),
            _ => new HostConnectionException(hostName, target.ToString(), $"SSH.NET could not connect to {target}: {error.Message}", said),
        };
    }

    /// <summary>The server refused the command a channel even when it could be the only command on the connection.</summary>
    public static HostConnectionException ChannelRefused(string hostName, SshTarget target, HostCommand command, string said) =>
        new(hostName, target.ToString(), Redactor.Default.Redact(
            $"{target} refused to open a channel for `{command}` even as the only command on the connection, so it did not run: "
            + "its sshd allows fewer sessions per connection than SSH.NET needs, one for the command and one for its heartbeat. "
            + $"Set MaxSessions to 2 or more in its sshd_config, or use the OpenSSH transport. ({Client}: {said})"), said);

    /// <summary>Every connection went before the command's turn came.</summary>
    public static HostConnectionException NeverStarted(string hostName, SshTarget target, HostCommand command, int connections, string said) =>
        new(hostName, target.ToString(), Redactor.Default.Redact(
            $"The connection to {target} went {connections} times while `{command}` waited for a channel, so it did not run. "
            + $"The network to the host is unstable, or sshd there closes connections. ({Client}: {said})"), said);

    private static HostConnectionException HostKey(HostKeyRefusal refusal, string hostName, SshTarget target, string said)
    {
        var diagnostics = $"{said}\n{refusal.KeyType} key {refusal.Fingerprint} of {refusal.HostPattern} refused by {refusal.KnownHostsFile}".Trim();
        if (refusal.Check.Verdict == HostKeyVerdict.Changed)
        {
            return SshFailures.KeyChanged(hostName, target, refusal.Check.OffendingLocation, refusal.Fingerprint,
                $"ssh-keygen -f \"{refusal.KnownHostsFile}\" -R \"{refusal.HostPattern}\"", diagnostics);
        }
        var others = refusal.Check.KnownTypes.Count == 0 ? "" : $" (it holds keys of other types: {string.Join(", ", refusal.Check.KnownTypes.Distinct())})";
        return SshFailures.KeyUnknown(hostName, target,
            $"no {refusal.KeyType} key for {refusal.HostPattern} in {refusal.KnownHostsFile}{others}; the host sent {refusal.Fingerprint}", diagnostics, Client);
    }

    private static SshFailures.UnreachableCause? Cause(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => SshFailures.UnreachableCause.Refused,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => SshFailures.UnreachableCause.NameNotResolved,
        SocketError.TimedOut => SshFailures.UnreachableCause.TimedOut,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => SshFailures.UnreachableCause.NoRoute,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => SshFailures.UnreachableCause.ClosedBeforeSsh,
        _ => null,
    };

    // The whole chain, for SshDiagnostics: SSH.NET wraps socket errors.
    private static string Said(Exception error)
    {
        var lines = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
            lines.Add($"{e.GetType().Name}: {e.Message}");
        return string.Join('\n', lines);
    }
}
