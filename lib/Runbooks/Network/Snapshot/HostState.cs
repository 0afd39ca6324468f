using System.Collections.Immutable;
using System.Net;

namespace Runbooks.Network.Snapshot;

/// <summary>A sysctl set in a file: where, so a fix can change it where it is rather than add a rival line.</summary>
public sealed record SysctlSetting(string Path, int Line, string Name, string Value);

/// <summary>A listening socket (<c>ss -H -lntup</c>).</summary>
/// <param name="Protocol">tcp or udp.</param>
/// <param name="Address">The local address; <see cref="IPAddress.IPv6Any"/> for "[::]" and "*", which also take IPv4 unless v6only.</param>
/// <param name="Interface">Bound to one device ("%wg0"), or null.</param>
/// <param name="Process">The process name from ss's users:(("python3",pid=…)), when ss could see it.</param>
public sealed record ListeningSocket(string Protocol, IPAddress Address, int Port, string? Interface, string? Process, int? ProcessId);

/// <summary>One line of /etc/hosts.</summary>
public sealed record HostsEntry(IPAddress Address, ImmutableArray<string> Names, int Line);
