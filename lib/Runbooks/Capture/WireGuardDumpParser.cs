using System.Collections.Immutable;
using System.Net;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>wg show all dump</c>: per interface one tab-separated line (name, private key, public key, listen port,
/// fwmark) followed by one line per peer (name, public key, preshared key, endpoint, allowed IPs, latest handshake,
/// bytes received, bytes sent, persistent keepalive). wireguard-go and kernel WireGuard print the same.
/// </summary>
/// <remarks>
/// Keys are never kept: only whether an interface has a private key and a peer a preshared key. The capture replaces
/// both with "(hidden)" on the machine already; a dump with the keys in it parses the same.
/// </remarks>
public static class WireGuardDumpParser
{
    private const string Format = "wg show all dump";

    public static ImmutableArray<WireGuardInterface> Parse(string dump)
    {
        var interfaces = new List<(WireGuardInterface Interface, ImmutableArray<WireGuardPeer>.Builder Peers)>();
        foreach (var (number, line) in Columns.NumberedLines(dump))
        {
            var fields = line.Split('\t');
            switch (fields.Length)
            {
                case 5:
                    interfaces.Add((ParseInterface(fields, number), ImmutableArray.CreateBuilder<WireGuardPeer>()));
                    break;
                case 9:
                    var owner = interfaces.FindLastIndex(i => i.Interface.Name == fields[0]);
                    if (owner < 0)
                        throw CaptureFormatException.AtLine(Format, number, $"a peer of \"{fields[0]}\" before any line of that interface; expected the interface line (5 fields) first");
                    interfaces[owner].Peers.Add(ParsePeer(fields, number));
                    break;
                default:
                    throw CaptureFormatException.AtLine(Format, number,
                        $"{fields.Length} tab-separated fields; expected 5 (an interface: name, private key, public key, listen port, fwmark) or 9 (a peer)");
            }
        }
        return [.. interfaces.Select(i => i.Interface with { Peers = i.Peers.ToImmutable() })];
    }

    private static WireGuardInterface ParseInterface(string[] f, int line) =>
        new(Name: f[0],
            PublicKey: None(f[2]) ? null : f[2],
            HasPrivateKey: !None(f[1]),
            ListenPort: Int(f[3], line, "listen port"),
            FirewallMark: f[4] == "off" ? null : f[4],
            Peers: []);

    private static WireGuardPeer ParsePeer(string[] f, int line)
    {
        var handshake = Long(f[5], line, "latest handshake (seconds since 1970)");
        return new WireGuardPeer(
            PublicKey: f[1],
            HasPresharedKey: !None(f[2]),
            Endpoint: None(f[3]) ? null : f[3],
            AllowedIps: None(f[4]) ? [] : [.. f[4].Split(',').Select(p => AllowedIp(p, line))],
            LatestHandshake: handshake == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(handshake),
            ReceivedBytes: Long(f[6], line, "bytes received"),
            SentBytes: Long(f[7], line, "bytes sent"),
            PersistentKeepalive: f[8] == "off" ? null : Int(f[8], line, "persistent keepalive"));
    }

    private static bool None(string field) => field == "(none)";

    private static IPNetwork AllowedIp(string text, int line) =>
        PrefixText.TryParse(text, out var prefix)
            ? prefix
            : throw CaptureFormatException.AtLine(Format, line, $"allowed IP \"{text}\" is not a prefix; expected e.g. 192.0.2.0/24 or fdaa::/16");

    private static int Int(string text, int line, string what) =>
        Numbers.TryInt(text, out var value) ? value : throw CaptureFormatException.AtLine(Format, line, $"{what} \"{text}\" is not a whole number");

    private static long Long(string text, int line, string what) =>
        Numbers.TryLong(text, out var value) ? value : throw CaptureFormatException.AtLine(Format, line, $"{what} \"{text}\" is not a whole number");
}
