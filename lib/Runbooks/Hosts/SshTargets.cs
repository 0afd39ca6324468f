namespace Runbooks.Hosts;

/// <summary>Targets from the plain values a runbook profile gives (strings and numbers), checked with clear errors.</summary>
public static class SshTargets
{
    /// <param name="role">How errors name the value ("server", "host").</param>
    /// <param name="identityFile">"" = ssh's default (the agent); a leading ~/ is the current user's home.</param>
    /// <param name="knownHostsFile">"" = ~/.ssh/known_hosts.</param>
    /// <param name="hostKeyPolicy">"strict" (only known keys) or "accept-new" (record a first key; changed keys still fail).</param>
    /// <param name="transport">"openssh" (the default; "" too) or "ssh.net".</param>
    /// <exception cref="ArgumentException">A value is empty or not one of the allowed ones; the message names it.</exception>
    public static SshTarget Create(string role, string host, string user = "root", int port = 22,
        string identityFile = "", string knownHostsFile = "", string hostKeyPolicy = "strict", double connectTimeoutSeconds = 5,
        string transport = "openssh")
    {
        var policy = hostKeyPolicy.ToLowerInvariant() switch
        {
            "strict" => HostKeyPolicy.Strict,
            "accept-new" or "acceptnew" => HostKeyPolicy.AcceptNew,
            _ => throw new ArgumentException($"hostKeyPolicy \"{hostKeyPolicy}\" is not one of: strict, accept-new", nameof(hostKeyPolicy)),
        };
        if (string.IsNullOrWhiteSpace(host))
            throw new ArgumentException($"the {role} host is empty: set \"{role}\" in the profile", role);
        return new SshTarget(host.Trim())
        {
            User = user,
            Port = port,
            IdentityFile = Path(identityFile),
            KnownHostsFile = Path(knownHostsFile),
            HostKeyPolicy = policy,
            ConnectTimeout = TimeSpan.FromSeconds(connectTimeoutSeconds),
            Transport = SshHosts.ParseTransport(transport),
        };
    }

    private static string? Path(string value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : value.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value[2..])
        : value;
}
