using Runbooks.Hosts;

namespace Runbooks.Network;

/// <summary>
/// Where the two machines are and how to log in: what a runbook profile gives (the twin's fdaa addresses
/// and its lab key; or the real <c>&lt;app&gt;.internal</c> names and the user's own agent).
/// </summary>
/// <param name="Server">The machine that serves HTTP over the tunnel (the WireGuard responder).</param>
/// <param name="Client">The machine that runs test-connection.sh (the initiator).</param>
public sealed record NetworkTargets(SshTarget Server, SshTarget Client)
{
    /// <summary>
    /// Builds both targets from profile-style values. Empty strings mean "ssh's default" (agent and
    /// ~/.ssh/known_hosts); a leading ~/ is the current user's home.
    /// </summary>
    /// <param name="hostKeyPolicy">"strict" (only known keys) or "accept-new" (record a first key; changed keys still fail).</param>
    /// <param name="transport">"openssh" (the default) or "ssh.net".</param>
    public static NetworkTargets Create(string server, string client, string user = "root", int port = 22,
        string identityFile = "", string knownHostsFile = "", string hostKeyPolicy = "strict", double connectTimeoutSeconds = 5,
        string transport = "openssh") =>
        new(SshTargets.Create("server", server, user, port, identityFile, knownHostsFile, hostKeyPolicy, connectTimeoutSeconds, transport),
            SshTargets.Create("client", client, user, port, identityFile, knownHostsFile, hostKeyPolicy, connectTimeoutSeconds, transport));
}
