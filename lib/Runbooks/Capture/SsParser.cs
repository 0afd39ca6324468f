using System.Collections.Immutable;
using System.Net;
using System.Text.RegularExpressions;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>ss -H -lntup</c>: per socket "Netid State Recv-Q Send-Q Local:Port Peer:Port [users:((…))]". Local
/// addresses come as 192.0.2.1:80, [2001:db8::1]:80, 0.0.0.0:80, [::]:80 (IPv6 only), *:80 (IPv6 wildcard that takes
/// IPv4 too), and with a bound device as 0.0.0.0%eth0:80 or [fe80::1]%eth0:80.
/// </summary>
public static partial class SsParser
{
    private const string Format = "ss -H -lntup";

    public static ImmutableArray<ListeningSocket> Parse(string text)
    {
        var sockets = ImmutableArray.CreateBuilder<ListeningSocket>();
        foreach (var (number, line) in Columns.NumberedLines(text))
        {
            var columns = Columns.Split(line, 6);
            if (columns.Count < 6)
                throw CaptureFormatException.AtLine(Format, number, $"{columns.Count} columns; expected at least 6 (Netid State Recv-Q Send-Q Local:Port Peer:Port), as printed with -H (no header) and -n (numbers)");
            var protocol = columns[0];
            if (protocol is not ("tcp" or "udp"))
                throw CaptureFormatException.AtLine(Format, number, $"socket type \"{protocol}\"; expected tcp or udp (-t -u)");
            var (address, port, device, dualStack) = ParseLocal(columns[4], number);
            string? process = null;
            int? pid = null;
            if (columns.Count > 6 && User().Match(columns[6]) is { Success: true } user)
            {
                process = user.Groups["name"].Value;
                pid = Numbers.TryInt(user.Groups["pid"].Value, out var value) ? value : null;
            }
            sockets.Add(new ListeningSocket(protocol, address, port, device, process, pid) { DualStack = dualStack });
        }
        return sockets.ToImmutable();
    }

    private static (IPAddress Address, int Port, string? Device, bool DualStack) ParseLocal(string local, int line)
    {
        var colon = local.LastIndexOf(':');
        if (colon <= 0 || !Numbers.TryInt(local[(colon + 1)..], out var port) || port > 65535)
            throw CaptureFormatException.AtLine(Format, line, $"local address \"{local}\" does not end in \":<port>\"; expected e.g. 0.0.0.0:22 or [::]:22 (run ss with -n)");
        var host = local[..colon];
        string? device = null;
        var percent = host.LastIndexOf('%');
        // A device comes after the address (and after its closing bracket); an IPv6 scope inside brackets does not count.
        if (percent > host.LastIndexOf(']'))
        {
            device = host[(percent + 1)..];
            host = host[..percent];
        }
        if (host == "*")
            return (IPAddress.IPv6Any, port, device, true);
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        return IPAddress.TryParse(host, out var address)
            ? (address, port, device, false)
            : throw CaptureFormatException.AtLine(Format, line, $"local address \"{host}\" in \"{local}\" is not an IP address; run ss with -n so it prints numbers");
    }

    [GeneratedRegex("""users:\(\("(?<name>(?:[^"\\]|\\.)*)",pid=(?<pid>[0-9]+)""")]
    private static partial Regex User();
}
