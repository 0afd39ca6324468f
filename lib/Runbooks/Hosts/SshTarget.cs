using System.Collections.Immutable;

namespace Runbooks.Hosts;

/// <summary>What ssh does with a host key it has no record of, or one that differs from its record.</summary>
public enum HostKeyPolicy
{
    /// <summary>Only keys already in known_hosts are accepted (<c>StrictHostKeyChecking=yes</c>).</summary>
    Strict,

    /// <summary>An unknown host's key is recorded and accepted; a changed key is still refused
    /// (<c>StrictHostKeyChecking=accept-new</c>). For lab machines that are new on every run.</summary>
    AcceptNew,
}

/// <summary>
/// Where and how a host is reached over SSH. With <see cref="SshTransport.OpenSsh"/> (<see cref="SshHost"/>) anything not set
/// here comes from ~/.ssh/config, the agent and certificates, as for a plain <c>ssh</c>; what is set here wins over the
/// config. <see cref="SshTransport.SshNet"/> (<see cref="SshNetHost"/>) reads no config: what is here is all it knows.
/// </summary>
/// <param name="Host">A name, address or ~/.ssh/config alias.</param>
public sealed record SshTarget(string Host)
{
    // The options SshHost sets itself; one given again in Options would be ignored or fight them
    // (ssh keeps the first value it sees), so Options refuses them and points to the property.
    private static readonly ImmutableDictionary<string, string> s_managedOptions = new Dictionary<string, string>
    {
        ["BatchMode"] = "always on, so ssh never waits for a password or a prompt",
        ["ControlMaster"] = "SshHost keeps one multiplexed connection",
        ["ControlPath"] = "SshHost keeps one multiplexed connection",
        ["ControlPersist"] = UseProperty(nameof(ControlPersist)),
        ["ConnectTimeout"] = UseProperty(nameof(ConnectTimeout)),
        ["StrictHostKeyChecking"] = UseProperty(nameof(HostKeyPolicy)),
        ["UserKnownHostsFile"] = UseProperty(nameof(KnownHostsFile)),
        ["IdentityFile"] = UseProperty(nameof(IdentityFile)),
        ["IdentitiesOnly"] = "set with SshTarget.IdentityFile",
        ["Port"] = UseProperty(nameof(Port)),
        ["User"] = UseProperty(nameof(User)),
        ["ServerAliveInterval"] = UseProperty(nameof(ServerAliveInterval)),
        ["ServerAliveCountMax"] = UseProperty(nameof(ServerAliveCountMax)),
        ["RequestTTY"] = "commands never get a terminal, so stdout and stderr stay apart",
    }.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);

    public string Host { get; init => field = RequireHost(value); } = RequireHost(Host);

    /// <summary>Null: ssh decides (~/.ssh/config, else 22).</summary>
    public int? Port { get; init => field = RequirePort(value); } = 22;

    /// <summary>Null: ssh decides (~/.ssh/config, else the local user name).</summary>
    public string? User { get; init => field = RequireUser(value); } = "root";

    /// <summary>A private key file. When set, it is the only key offered (<c>IdentitiesOnly=yes</c>): with an
    /// agent full of keys, the server's MaxAuthTries could otherwise run out before the right one is tried.</summary>
    public string? IdentityFile { get; init => field = RequireSshPath(value, nameof(IdentityFile)); }

    /// <summary>Null: ssh's default, ~/.ssh/known_hosts.</summary>
    public string? KnownHostsFile { get; init => field = RequireSshPath(value, nameof(KnownHostsFile)); }

    /// <summary>The client that connects: OpenSSH (the default) or SSH.NET; <see cref="SshHosts.Open"/> makes the host for it.</summary>
    public SshTransport Transport { get; init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Transport)); } = SshTransport.OpenSsh;

    public HostKeyPolicy HostKeyPolicy { get; init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(HostKeyPolicy)); } = HostKeyPolicy.Strict;

    /// <summary>How long ssh waits for the TCP connection and for the SSH greeting. Whole seconds (rounded up).
    /// <see cref="SshHost.ConnectAsync"/> gives up a little after this even if ssh does not.</summary>
    public TimeSpan ConnectTimeout { get; init => field = RequireSeconds(value, nameof(ConnectTimeout)); } = TimeSpan.FromSeconds(5);

    /// <summary>How long the shared connection stays open with no command running. It closes when the
    /// host is disposed; this is what ends it if the process dies first.</summary>
    public TimeSpan ControlPersist { get; init => field = RequireSeconds(value, nameof(ControlPersist)); } = TimeSpan.FromSeconds(60);

    /// <summary>How often ssh checks that a silent connection is alive; after <see cref="ServerAliveCountMax"/>
    /// missed answers it gives up. Without it, a connection through a tunnel that a runbook just broke hangs
    /// until TCP gives up, which takes many minutes.</summary>
    public TimeSpan ServerAliveInterval { get; init => field = RequireSeconds(value, nameof(ServerAliveInterval)); } = TimeSpan.FromSeconds(10);

    public int ServerAliveCountMax { get; init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ServerAliveCountMax)); } = 3;

    /// <summary>More <c>-o Name=Value</c> options, such as <c>ProxyJump=bastion</c>. Options this type has a
    /// property for are refused (see the exception message).</summary>
    public ImmutableArray<string> Options { get; init => field = RequireOptions(value); } = [];

    /// <summary><c>user@host:port</c>, leaving out what ssh decides; IPv6 addresses in brackets.</summary>
    public override string ToString()
    {
        var host = Host.Contains(':') && Port is not null ? $"[{Host}]" : Host;
        return (User is null ? "" : User + "@") + host + (Port is null ? "" : ":" + Port);
    }

    private static string RequireHost(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host, nameof(Host));
        // A leading '-' would be read as an option by programs that take the host without "--".
        if (host.StartsWith('-') || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"'{host}' is not a host name or address.", nameof(Host));
        return host;
    }

    private static int? RequirePort(int? port) =>
        port is null or (>= 1 and <= 65535) ? port : throw new ArgumentOutOfRangeException(nameof(Port), port, "A port is 1 to 65535.");

    private static string? RequireUser(string? user) =>
        user is null || (user.Length > 0 && !user.StartsWith('-') && !user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            ? user
            : throw new ArgumentException($"'{user}' is not a user name.", nameof(User));

    private static string UseProperty(string property) => $"use SshTarget.{property}";

    // ssh expands ${VAR} in these paths and its unquoting of '\' is inconsistent; refusing the few
    // characters it treats specially is safer than escaping them. '%' is escaped when sent.
    private static string? RequireSshPath(string? path, string name)
    {
        if (path is not null && (path.Length == 0 || path.IndexOfAny(['"', '\\', '$']) >= 0 || path.Any(char.IsControl)))
            throw new ArgumentException($"ssh cannot take the path '{path}' as given: it must not be empty or hold '\"', '\\', '$' or control characters.", name);
        return path;
    }

    private static TimeSpan RequireSeconds(TimeSpan value, string name) =>
        value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromDays(1)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "ssh takes this in whole seconds: give 1 s to 1 day.");

    private static ImmutableArray<string> RequireOptions(ImmutableArray<string> options)
    {
        foreach (var option in options.IsDefault ? [] : options)
        {
            var equals = option?.IndexOf('=') ?? -1;
            if (option is null || equals <= 0 || !option[..equals].All(char.IsAsciiLetterOrDigit) || option.Any(char.IsControl))
                throw new ArgumentException($"ssh option '{option}' is not of the form Name=Value.", nameof(Options));
            if (s_managedOptions.TryGetValue(option[..equals], out var instead))
                throw new ArgumentException($"ssh option '{option}' cannot be given in Options: {instead}.", nameof(Options));
        }
        return options.IsDefault ? [] : options;
    }
}
