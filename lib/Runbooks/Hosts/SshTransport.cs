namespace Runbooks.Hosts;

/// <summary>Which SSH client a <see cref="SshTarget"/> is reached with.</summary>
public enum SshTransport
{
    /// <summary>The OpenSSH client (<see cref="SshHost"/>): ~/.ssh/config, ProxyJump, the agent and its
    /// certificates as in a terminal. The default.</summary>
    OpenSsh,

    /// <summary>SSH.NET inside this process (<see cref="SshNetHost"/>): no ssh binary and no ssh_config; about 3 times
    /// faster per command. Key files, certificates next to them, and the agent.</summary>
    SshNet,
}

/// <summary>A host reached over SSH, whichever the transport: what sessions and the CLI need beyond <see cref="IHost"/>.</summary>
public interface ISshHost : IHost
{
    SshTarget Target { get; }

    /// <summary>
    /// Opens the connection now, so that a host that cannot be reached fails here with a connection error rather
    /// than at the first command. Does nothing when the connection is open. Returns or throws within
    /// <see cref="SshTarget.ConnectTimeout"/> plus a few seconds.
    /// </summary>
    /// <exception cref="HostUnreachableException">Not reached (name, refused, timed out, no route, no greeting).</exception>
    /// <exception cref="HostAuthenticationException">The login was refused.</exception>
    /// <exception cref="HostKeyMismatchException">The host key differs from the one in known_hosts.</exception>
    /// <exception cref="HostKeyUnknownException">The host key is unknown and the policy is Strict.</exception>
    /// <exception cref="HostConnectionException">Another failure; the client's message is included.</exception>
    Task ConnectAsync(CancellationToken cancellationToken = default);
}

/// <summary>Makes the host for a target with the transport it names.</summary>
public static class SshHosts
{
    public static ISshHost Open(SshTarget target, Transcript? transcript = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Transport switch
        {
            SshTransport.SshNet => new SshNetHost(target, transcript),
            _ => new SshHost(target, transcript),
        };
    }

    /// <summary>Reads a profile's "transport" value: "openssh" (or empty) or "ssh.net".</summary>
    /// <exception cref="ArgumentException">Any other value; the message lists the allowed ones.</exception>
    public static SshTransport ParseTransport(string value) => value.Trim().ToLowerInvariant() switch
    {
        "" or "openssh" => SshTransport.OpenSsh,
        "ssh.net" or "sshnet" => SshTransport.SshNet,
        _ => throw new ArgumentException($"transport \"{value}\" is not one of: openssh, ssh.net", "transport"),
    };
}
