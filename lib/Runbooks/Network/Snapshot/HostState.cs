using System.Collections.Immutable;
using System.Net;

namespace Runbooks.Network.Snapshot;

/// <summary>A sysctl set in a file: where, so a fix can change it where it is rather than add a rival line.</summary>
/// <param name="Name">Dotted, as in <see cref="NetworkSnapshot.Sysctls"/> (a file's "net/ipv4/ip_forward" becomes
/// "net.ipv4.ip_forward"); a glob such as "net.ipv4.conf.*.rp_filter" stays as written.</param>
/// <param name="IgnoreErrors">Written with a leading '-': sysctl goes on quietly when the key does not exist.</param>
public sealed record SysctlSetting(string Path, int Line, string Name, string Value)
{
    public bool IgnoreErrors { get; init; }
}

/// <summary>A listening socket (<c>ss -H -lntup</c>).</summary>
/// <param name="Protocol">tcp or udp.</param>
/// <param name="Address">The local address; <see cref="IPAddress.IPv6Any"/> for "[::]" and "*" (see <see cref="DualStack"/>).</param>
/// <param name="Interface">Bound to one device ("%wg0"), or null.</param>
/// <param name="Process">The process name from ss's users:(("python3",pid=…)), when ss could see it.</param>
public sealed record ListeningSocket(string Protocol, IPAddress Address, int Port, string? Interface, string? Process, int? ProcessId)
{
    /// <summary>An IPv6 wildcard socket that takes IPv4 too: ss prints it as "*". ss prints "[::]" only for a
    /// v6only socket, which IPv4 clients cannot reach.</summary>
    public bool DualStack { get; init; }
}

/// <summary>One line of /etc/hosts.</summary>
public sealed record HostsEntry(IPAddress Address, ImmutableArray<string> Names, int Line);
