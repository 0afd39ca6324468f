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
    public static NetworkTargets Create(string server, string client, string user = "root", int port = 22,
        string identityFile = "", string knownHostsFile = "", string hostKeyPolicy = "strict", double connectTimeoutSeconds = 5)
    {
        var policy = hostKeyPolicy.ToLowerInvariant() switch
        {
            "strict" => HostKeyPolicy.Strict,
            "accept-new" or "acceptnew" => HostKeyPolicy.AcceptNew,
            _ => throw new ArgumentException($"hostKeyPolicy \"{hostKeyPolicy}\" is not one of: strict, accept-new", nameof(hostKeyPolicy)),
        };
        SshTarget Target(string host, string role) => new(string.IsNullOrWhiteSpace(host) ? throw new ArgumentException($"the {role} host is empty: set \"{role}\" in the profile", role) : host.Trim())
        {
            User = user,
            Port = port,
            IdentityFile = Path(identityFile),
            KnownHostsFile = Path(knownHostsFile),
            HostKeyPolicy = policy,
            ConnectTimeout = TimeSpan.FromSeconds(connectTimeoutSeconds),
        };
        return new NetworkTargets(Target(server, "server"), Target(client, "client"));
    }

    private static string? Path(string value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : value.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value[2..])
        : value;
}
