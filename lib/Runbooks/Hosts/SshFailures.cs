using System.Globalization;
using System.Text.RegularExpressions;
using Runbooks.Redaction;

namespace Runbooks.Hosts;

/// <summary>
/// Reads what ssh said about a failed connection (its <c>-E</c> log, which holds only ssh's own messages,
/// never the remote command's) and turns it into one exception naming the target, the cause and what to do.
/// </summary>
internal static partial class SshFailures
{
    /// <summary>Why no SSH connection could be opened.</summary>
    internal enum UnreachableCause { NameNotResolved, Refused, NoGreeting, TimedOut, NoRoute, ClosedBeforeSsh }

    /// <summary>The exception for ssh's messages, or null when they name no connection failure (then an
    /// exit code of 255 may be the remote command's own).</summary>
    public static HostConnectionException? Classify(string diagnostics, string hostName, SshTarget target)
    {
        var where = target.ToString();

        if (Line(diagnostics, "REMOTE HOST IDENTIFICATION HAS CHANGED") is not null
            || Line(diagnostics, "has changed and you have requested strict checking") is not null
            || Line(diagnostics, "POSSIBLE DNS SPOOFING DETECTED") is not null)
        {
            var offending = OffendingKey().Match(diagnostics);
            var removeWith = RemoveCommand().Match(diagnostics);
            var fingerprint = Fingerprint().Match(diagnostics);
            return KeyChanged(hostName, target, offending.Success ? offending.Groups["location"].Value : null,
                fingerprint.Success ? fingerprint.Value : null, removeWith.Success ? removeWith.Groups["command"].Value.Trim() : null, diagnostics);
        }

        if (Line(diagnostics, "host key is known for") is { } unknown)
            return KeyUnknown(hostName, target, unknown, diagnostics);

        if (Line(diagnostics, "Host key verification failed") is { } verification)
        {
            return new HostKeyMismatchException(hostName, where,
                $"ssh could not verify the host key of {where}; it refused to connect. Check {KnownHostsName(target)}. " + Said(verification),
                diagnostics);
        }

        if ((Line(diagnostics, "Permission denied") ?? Line(diagnostics, "Too many authentication failures")) is { } denied)
        {
            var keyProblem = Line(diagnostics, "no such identity") ?? Line(diagnostics, "not accessible")
                ?? Line(diagnostics, "UNPROTECTED PRIVATE KEY FILE") ?? Line(diagnostics, "bad permissions");
            return LoginRefused(hostName, target, keyProblem, denied, diagnostics);
        }

        UnreachableCause? cause =
            Line(diagnostics, "Could not resolve hostname") is not null ? UnreachableCause.NameNotResolved
            : Line(diagnostics, "Connection refused") is not null ? UnreachableCause.Refused
            : Line(diagnostics, "banner exchange") is not null ? UnreachableCause.NoGreeting
            : (Line(diagnostics, "Connection timed out") ?? Line(diagnostics, "Operation timed out")) is not null ? UnreachableCause.TimedOut
            : (Line(diagnostics, "No route to host") ?? Line(diagnostics, "Network is unreachable")) is not null ? UnreachableCause.NoRoute
            : (Line(diagnostics, "kex_exchange_identification") ?? Line(diagnostics, "Connection reset by peer") ?? Line(diagnostics, "Connection closed by")) is not null
                ? UnreachableCause.ClosedBeforeSsh
            : null;
        return cause is { } found ? Unreachable(hostName, target, found, FirstMeaningfulLine(diagnostics), diagnostics) : null;
    }

    /// <summary>The host key differs from the recorded one. Both transports word it alike.</summary>
    /// <param name="location">The known_hosts file and line of the old key.</param>
    /// <param name="removeCommand">The command that removes the old key, when known.</param>
    public static HostKeyMismatchException KeyChanged(string hostName, SshTarget target, string? location, string? fingerprint,
        string? removeCommand, string diagnostics)
    {
        var where = target.ToString();
        var message = $"The host key of {where} is not the one recorded in {location ?? KnownHostsName(target)}: "
            + "ssh refused to connect. Either the machine was reinstalled or re-keyed, or someone is intercepting the connection. "
            + "Check the new key's fingerprint" + (fingerprint is null ? "" : $" ({fingerprint})") + " on the machine's console; if it is right, "
            + (removeCommand is null ? "remove the old key from known_hosts" : $"remove the old key with `{removeCommand}`")
            + " and connect again.";
        return new HostKeyMismatchException(hostName, where, message, diagnostics)
        {
            OffendingKeyLocation = location,
            PresentedFingerprint = fingerprint,
        };
    }

    public static HostKeyUnknownException KeyUnknown(string hostName, SshTarget target, string said, string diagnostics, string client = OpenSshClient) =>
        new(hostName, target.ToString(),
            $"The host key of {target} is not in {KnownHostsName(target)} and HostKeyPolicy is Strict, so ssh refused to connect. "
            + $"Add the key after checking its fingerprint (`ssh-keyscan -p {target.Port ?? 22} {target.Host}` prints it), "
            + "or use HostKeyPolicy.AcceptNew for machines that are trusted on first use, such as fresh lab machines. " + Said(said, client),
            diagnostics);

    /// <param name="keyProblem">Why the key could not be used (missing, loose permissions), when that is the cause.</param>
    /// <param name="said">The client's own line about the refusal.</param>
    public static HostAuthenticationException LoginRefused(string hostName, SshTarget target, string? keyProblem, string said, string diagnostics, string client = OpenSshClient)
    {
        var key = target.IdentityFile is null
            ? "the keys ssh offered (agent, ~/.ssh/config, ~/.ssh/id_*)"
            : $"the key {target.IdentityFile}";
        var user = target.User ?? "the user";
        var message = $"{target} refused the login: no credential was accepted for {user}. "
            + (keyProblem is not null
                ? $"ssh could not use the key: {keyProblem.Trim()} Fix the file (it must exist and be readable only by you), then try again. "
                : $"Check that the public half of {key} is in {user}'s authorized_keys on the host, and that the user name is right. ")
            + Said(said, client);
        return new HostAuthenticationException(hostName, target.ToString(), message, diagnostics);
    }

    public static HostUnreachableException Unreachable(string hostName, SshTarget target, UnreachableCause cause, string said, string diagnostics, string client = OpenSshClient)
    {
        var port = target.Port?.ToString(CultureInfo.InvariantCulture) ?? "its ssh port";
        var seconds = HostCommand.WholeSeconds(target.ConnectTimeout);
        var (what, advice) = cause switch
        {
            UnreachableCause.NameNotResolved => ($"the name '{target.Host}' does not resolve", "Check the spelling, DNS and /etc/hosts, or use an IP address."),
            UnreachableCause.Refused => ("the connection was refused", $"Nothing listens on port {port} there: check that sshd is running and that the port is right."),
            UnreachableCause.NoGreeting => ($"no SSH greeting came within {seconds} s", "The port accepts connections but no SSH server answers on it: check the port, or sshd may be overloaded."),
            UnreachableCause.TimedOut => ($"the connection timed out after {seconds} s", "Nothing answered: check the address, that the machine is up, firewalls, and (for an address inside a tunnel) that the tunnel is up."),
            UnreachableCause.NoRoute => ("there is no route to it", $"Check the address and this machine's routes (`ip route get {target.Host}`)."),
            _ => ("the connection was closed before SSH started", "Something on that port closed it: sshd refusing this client (MaxStartups, TCP wrappers, fail2ban) or a service that is not SSH."),
        };
        return new HostUnreachableException(hostName, target.ToString(), $"Cannot reach {target}: {what}. {advice} " + Said(said, client), diagnostics);
    }

    /// <summary>For a failure <see cref="Classify"/> has no name for, when ssh certainly failed (the master
    /// connection could not start): ssh's own words.</summary>
    public static HostConnectionException Unclassified(string diagnostics, string hostName, SshTarget target, int exitCode)
    {
        var said = FirstMeaningfulLine(diagnostics);
        return new HostConnectionException(hostName, target.ToString(),
            $"ssh could not connect to {target} (exit code {exitCode}). " + (said.Length > 0 ? Said(said) : "It gave no reason."), diagnostics);
    }

    public static HostUnreachableException NoAnswerInTime(string hostName, SshTarget target, TimeSpan waited, string diagnostics) =>
        new(hostName, target.ToString(),
            $"Cannot reach {target}: no SSH session within {waited.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s, so it was abandoned. "
            + "The name lookup, the key exchange or the login hung: check the address and that sshd there is healthy.",
            diagnostics);

    public static HostConnectionLostException ConnectionLost(string hostName, SshTarget target, HostCommand command, string diagnostics, string client = OpenSshClient)
    {
        var said = client == OpenSshClient ? FirstMeaningfulLine(diagnostics) : diagnostics;
        return new HostConnectionLostException(hostName, target.ToString(),
            Redactor.Default.Redact($"The connection to {target} broke while `{command}` ran; the command may or may not have finished there. "
                + "The network to the host went away, the host rebooted, or sshd restarted. " + Said(said, client)).Trim(),
            diagnostics);
    }

    private static string Said(string? line, string client = OpenSshClient) => string.IsNullOrWhiteSpace(line) ? "" : $"({client}: {line.Trim()})";

    /// <summary>How messages name the OpenSSH client when they quote it.</summary>
    public const string OpenSshClient = "ssh";

    private static string KnownHostsName(SshTarget target) => target.KnownHostsFile ?? "~/.ssh/known_hosts";

    private static string? Line(string text, string fragment) =>
        text.Split('\n').FirstOrDefault(line => line.Contains(fragment, StringComparison.OrdinalIgnoreCase))?.TrimEnd('\r');

    // ssh's log holds notices that are not failures; the line worth quoting is the first one that is not.
    private static string FirstMeaningfulLine(string diagnostics) =>
        diagnostics.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.Length > 0 && !IsNotice(line)) ?? "";

    internal static bool IsNotice(string line) =>
        line.StartsWith("Warning: Permanently added", StringComparison.Ordinal)
        || line.Contains("disabling multiplexing", StringComparison.Ordinal)
        || line.StartsWith("mux_client_request_session", StringComparison.Ordinal)
        || line.StartsWith("Shared connection to", StringComparison.Ordinal);

    [GeneratedRegex(@"Offending \S+ key in (?<location>\S.*:\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex OffendingKey();

    [GeneratedRegex(@"remove with:\s*\n(?<command>[^\n]+)", RegexOptions.CultureInvariant)]
    private static partial Regex RemoveCommand();

    [GeneratedRegex(@"SHA256:[A-Za-z0-9+/]+", RegexOptions.CultureInvariant)]
    private static partial Regex Fingerprint();
}
