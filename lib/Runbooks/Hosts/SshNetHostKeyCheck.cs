using Renci.SshNet.Common;

namespace Runbooks.Hosts;

/// <summary>
/// Checks the key an SSH.NET connection is offered against known_hosts, as ssh's StrictHostKeyChecking does:
/// a known key passes; a changed one never does; an unknown one passes only under <see cref="HostKeyPolicy.AcceptNew"/>,
/// which records it. SSH.NET itself trusts every key, so without this any machine could pose as the host.
/// </summary>
internal sealed class SshNetHostKeyCheck(string knownHostsFile, string host, int port, HostKeyPolicy policy)
{
    /// <summary>Why the key was refused (set before SSH.NET aborts the connection), or null.</summary>
    public HostKeyRefusal? Refusal { get; private set; }

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var check = KnownHosts.Check(knownHostsFile, host, port, e.HostKey);
        var accept = check.Verdict == HostKeyVerdict.Known
            || (check.Verdict == HostKeyVerdict.Unknown && policy == HostKeyPolicy.AcceptNew);
        if (accept && check.Verdict == HostKeyVerdict.Unknown)
            KnownHosts.Append(knownHostsFile, host, port, e.HostKey);
        if (!accept)
            Refusal = new HostKeyRefusal(check, knownHostsFile, KnownHosts.HostPattern(host, port), KnownHosts.KeyType(e.HostKey), KnownHosts.Fingerprint(e.HostKey));
        e.CanTrust = accept;
    }
}

/// <summary>A host key that was refused: the check's answer and what the message needs.</summary>
internal sealed record HostKeyRefusal(HostKeyCheck Check, string KnownHostsFile, string HostPattern, string KeyType, string Fingerprint);
