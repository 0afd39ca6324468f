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
    /// <summary>The exception for ssh's messages, or null when they name no connection failure (then an
    /// exit code of 255 may be the remote command's own).</summary>
    public static HostConnectionException? Classify(string diagnostics, string hostName, SshTarget target)
    {
        var where = target.ToString();
        var port = target.Port?.ToString(CultureInfo.InvariantCulture) ?? "its ssh port";

        if (Line(diagnostics, "REMOTE HOST IDENTIFICATION HAS CHANGED") is not null
            || Line(diagnostics, "has changed and you have requested strict checking") is not null
            || Line(diagnostics, "POSSIBLE DNS SPOOFING DETECTED") is not null)
        {
            var offending = OffendingKey().Match(diagnostics);
            var removeWith = RemoveCommand().Match(diagnostics);
            var fingerprint = Fingerprint().Match(diagnostics);
            var location = offending.Success ? offending.Groups["location"].Value : null;
            var message = $"The host key of {where} is not the one recorded in {location ?? KnownHostsName(target)}: "
                + "ssh refused to connect. Either the machine was reinstalled or re-keyed, or someone is intercepting the connection. "
                + "Check the new key's fingerprint" + (fingerprint.Success ? $" ({fingerprint.Value})" : "") + " on the machine's console; if it is right, "
                + (removeWith.Success ? $"remove the old key with `{removeWith.Groups["command"].Value.Trim()}`" : "remove the old key from known_hosts")
                + " and connect again.";
            return new HostKeyMismatchException(hostName, where, message, diagnostics)
            {
                OffendingKeyLocation = location,
                PresentedFingerprint = fingerprint.Success ? fingerprint.Value : null,
            };
        }

        if (Line(diagnostics, "host key is known for") is { } unknown)
        {
            return new HostKeyUnknownException(hostName, where,
                $"The host key of {where} is not in {KnownHostsName(target)} and HostKeyPolicy is Strict, so ssh refused to connect. "
                + $"Add the key after checking its fingerprint (`ssh-keyscan -p {target.Port ?? 22} {target.Host}` prints it), "
                + "or use HostKeyPolicy.AcceptNew for machines that are trusted on first use, such as fresh lab machines. " + Said(unknown),
                diagnostics);
        }

        if (Line(diagnostics, "Host key verification failed") is { } verification)
        {
            return new HostKeyMismatchException(hostName, where,
                $"ssh could not verify the host key of {where}; it refused to connect. Check {KnownHostsName(target)}. " + Said(verification),
                diagnostics);
        }

        if ((Line(diagnostics, "Permission denied") ?? Line(diagnostics, "Too many authentication failures")) is { } denied)
        {
            var key = target.IdentityFile is null
                ? "the keys ssh offered (agent, ~/.ssh/config, ~/.ssh/id_*)"
                : $"the key {target.IdentityFile}";
            var keyProblem = Line(diagnostics, "no such identity") ?? Line(diagnostics, "not accessible")
                ?? Line(diagnostics, "UNPROTECTED PRIVATE KEY FILE") ?? Line(diagnostics, "bad permissions");
            var user = target.User ?? "the user";
            var message = $"{where} refused the login: no credential was accepted for {user}. "
                + (keyProblem is not null
                    ? $"ssh could not use the key: {keyProblem.Trim()} Fix the file (it must exist and be readable only by you), then try again. "
                    : $"Check that the public half of {key} is in {user}'s authorized_keys on the host, and that the user name is right. ")
                + Said(denied);
            return new HostAuthenticationException(hostName, where, message, diagnostics);
        }

        var seconds = HostCommand.WholeSeconds(target.ConnectTimeout);
        (string Cause, string Advice)? unreachable =
            Line(diagnostics, "Could not resolve hostname") is not null
                ? ($"the name '{target.Host}' does not resolve", "Check the spelling, DNS and /etc/hosts, or use an IP address.")
            : Line(diagnostics, "Connection refused") is not null
                ? ("the connection was refused", $"Nothing listens on port {port} there: check that sshd is running and that the port is right.")
            : Line(diagnostics, "banner exchange") is not null
                ? ($"no SSH greeting came within {seconds} s", "The port accepts connections but no SSH server answers on it: check the port, or sshd may be overloaded.")
            : (Line(diagnostics, "Connection timed out") ?? Line(diagnostics, "Operation timed out")) is not null
                ? ($"the connection timed out after {seconds} s", "Nothing answered: check the address, that the machine is up, firewalls, and (for an address inside a tunnel) that the tunnel is up.")
            : (Line(diagnostics, "No route to host") ?? Line(diagnostics, "Network is unreachable")) is not null
                ? ("there is no route to it", $"Check the address and this machine's routes (`ip route get {target.Host}`).")
            : (Line(diagnostics, "kex_exchange_identification") ?? Line(diagnostics, "Connection reset by peer") ?? Line(diagnostics, "Connection closed by")) is not null
                ? ("the connection was closed before SSH started", "Something on that port closed it: sshd refusing this client (MaxStartups, TCP wrappers, fail2ban) or a service that is not SSH.")
            : null;
        if (unreachable is { } found)
        {
            return new HostUnreachableException(hostName, where,
                $"Cannot reach {where}: {found.Cause}. {found.Advice} " + Said(FirstMeaningfulLine(diagnostics)), diagnostics);
        }
        return null;
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

    public static HostConnectionLostException ConnectionLost(string hostName, SshTarget target, HostCommand command, string diagnostics)
    {
        var said = FirstMeaningfulLine(diagnostics);
        return new HostConnectionLostException(hostName, target.ToString(),
            Redactor.Default.Redact($"The connection to {target} broke while `{command}` ran; the command may or may not have finished there. "
                + "The network to the host went away, the host rebooted, or sshd restarted. " + Said(said)).Trim(),
            diagnostics);
    }

    private static string Said(string? line) => string.IsNullOrWhiteSpace(line) ? "" : $"(ssh: {line.Trim()})";

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
