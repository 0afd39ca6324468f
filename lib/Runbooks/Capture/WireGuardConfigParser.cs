using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses a wg-quick config file (<c>/etc/wireguard/wg0.conf</c>) the way wg-quick and <c>wg setconf</c> read it:
/// a '#' starts a comment anywhere on a line; section headers and keys are case-insensitive, and wg ignores
/// whitespace inside them; Address, DNS and AllowedIPs take comma-separated lists and add up when repeated.
/// </summary>
/// <remarks>
/// Keys neither tool knows are skipped rather than refused: variants of wg-quick add their own, and the file is
/// kept whole in <see cref="WireGuardConfig.Lines"/> anyway. A line that is not a comment, a header or
/// "Key = Value", a header other than [Interface] or [Peer], a setting before any header, and a value of the wrong
/// shape are errors: wg refuses such a file too.
/// </remarks>
public static partial class WireGuardConfigParser
{
    private const string Format = "wg-quick config";

    public static WireGuardConfig Parse(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var lines = SplitLines(text);
        var format = $"{Format} {path}";
        var iface = new InterfaceBuilder();
        var peers = new List<PeerBuilder>();
        var settings = ImmutableArray.CreateBuilder<WireGuardConfigSetting>();
        PeerBuilder? peer = null;
        var sectionLine = 0;
        var inInterface = false;

        for (var index = 0; index < lines.Length; index++)
        {
            var number = index + 1;
            var content = lines[index];
            var hash = content.IndexOf('#');
            if (hash >= 0)
                content = content[..hash];
            content = content.Trim();
            if (content.Length == 0)
                continue;

            if (content.StartsWith('['))
            {
                var header = RemoveWhitespace(content);
                if (header.Equals("[Interface]", StringComparison.OrdinalIgnoreCase))
                {
                    inInterface = true;
                    peer = null;
                    iface.SectionLine = iface.SectionLine == 0 ? number : iface.SectionLine;
                    sectionLine = number;
                }
                else if (header.Equals("[Peer]", StringComparison.OrdinalIgnoreCase))
                {
                    inInterface = false;
                    peer = new PeerBuilder(number);
                    peers.Add(peer);
                    sectionLine = number;
                }
                else
                {
                    throw CaptureFormatException.AtLine(format, number, $"unknown section \"{content}\"; expected [Interface] or [Peer]");
                }
                continue;
            }

            var equals = content.IndexOf('=');
            if (equals < 0)
                throw CaptureFormatException.AtLine(format, number, $"\"{content}\" is neither \"Key = Value\", a [Section] header nor a # comment");
            var key = RemoveWhitespace(content[..equals]).ToLowerInvariant();
            var value = content[(equals + 1)..].Trim();

            if (sectionLine == 0)
                throw CaptureFormatException.AtLine(format, number, $"the setting \"{content[..equals].Trim()}\" comes before any [Interface] or [Peer] header");
            settings.Add(new WireGuardConfigSetting(number, sectionLine, content[..equals].Trim(), value));
            if (inInterface)
                SetInterface(iface, key, value, format, number);
            else
                SetPeer(peer!, key, value, format, number);
        }

        var name = System.IO.Path.GetFileName(path);
        if (name.EndsWith(".conf", StringComparison.Ordinal))
            name = name[..^".conf".Length];
        return new WireGuardConfig(path, name, iface.Build(), [.. peers.Select(p => p.Build())], lines) { Settings = settings.ToImmutable() };
    }

    private static void SetInterface(InterfaceBuilder iface, string key, string value, string format, int line)
    {
        switch (key)
        {
            case "address":
                foreach (var item in ListItems(value))
                    iface.Addresses.Add(ParseInterfaceAddress(item, format, line));
                break;
            case "dns":
                iface.Dns.AddRange(ListItems(value));
                break;
            case "mtu":
                iface.Mtu = Int(value, format, line, "MTU");
                break;
            case "listenport":
                iface.ListenPort = Int(RemoveWhitespace(value), format, line, "ListenPort");
                break;
            case "table":
                iface.Table = value;
                break;
            case "privatekey":
                // On the machine the capture swapped the key for "(not captured; public key <pub>)".
                var match = NotCapturedPrivateKey().Match(value);
                iface.PublicKey = match.Success ? match.Groups["pub"].Value : null;
                break;
            case "preup" or "postup" or "predown" or "postdown":
                iface.Hooks.Add(new KeyValuePair<string, string>(s_hookNames[key], value));
                break;
        }
    }

    private static void SetPeer(PeerBuilder peer, string key, string value, string format, int line)
    {
        // wg drops every whitespace character in a line before reading the values of its own keys.
        var compact = RemoveWhitespace(value);
        switch (key)
        {
            case "publickey":
                peer.PublicKey = compact;
                break;
            case "presharedkey":
                peer.HasPresharedKey = true;
                break;
            case "allowedips":
                foreach (var item in compact.Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    peer.AllowedIps.Add(PrefixText.TryParse(item, out var prefix)
                        ? prefix
                        : throw CaptureFormatException.AtLine(format, line, $"AllowedIPs entry \"{item}\" is not a prefix; expected e.g. 192.0.2.0/24 or fdaa::/16"));
                }
                break;
            case "endpoint":
                peer.Endpoint = compact;
                break;
            case "persistentkeepalive":
                var seconds = compact.Equals("off", StringComparison.OrdinalIgnoreCase) ? 0 : Int(compact, format, line, "PersistentKeepalive");
                peer.PersistentKeepalive = seconds == 0 ? null : seconds;
                break;
        }
    }

    private static InterfaceAddress ParseInterfaceAddress(string text, string format, int line)
    {
        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
            throw CaptureFormatException.AtLine(format, line, $"Address \"{text}\" is not an address with a prefix; expected e.g. 192.0.2.1/24 or fdaa::1/64");
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = max;
        if (slash >= 0 && (!Numbers.TryInt(text[(slash + 1)..], out length) || length > max))
            throw CaptureFormatException.AtLine(format, line, $"Address \"{text}\" has a prefix length outside 0..{max}");
        // wg-quick adds each address with ip's default scope.
        return new InterfaceAddress(address, length, "global", []);
    }

    // wg-quick splits these on commas and on whitespace alike.
    private static IEnumerable<string> ListItems(string value) =>
        value.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static int Int(string text, string format, int line, string key) =>
        Numbers.TryInt(text, out var value) ? value : throw CaptureFormatException.AtLine(format, line, $"{key} \"{text}\" is not a whole number");

    private static string RemoveWhitespace(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static ImmutableArray<string> SplitLines(string text)
    {
        var lines = text.Split('\n');
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        return [.. lines.Take(count).Select(l => l.TrimEnd('\r'))];
    }

    private static readonly Dictionary<string, string> s_hookNames = new()
    {
        ["preup"] = "PreUp", ["postup"] = "PostUp", ["predown"] = "PreDown", ["postdown"] = "PostDown",
    };

    [GeneratedRegex(@"^\(not captured; public key (?<pub>[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)\)$")]
    private static partial Regex NotCapturedPrivateKey();

    private sealed class InterfaceBuilder
    {
        public List<InterfaceAddress> Addresses { get; } = [];
        public List<string> Dns { get; } = [];
        public List<KeyValuePair<string, string>> Hooks { get; } = [];
        public int? ListenPort { get; set; }
        public int? Mtu { get; set; }
        public string? PublicKey { get; set; }
        public string? Table { get; set; }
        public int SectionLine { get; set; }

        public WireGuardConfigInterface Build() =>
            new([.. Addresses], ListenPort, Mtu, PublicKey, Table, [.. Dns], [.. Hooks], SectionLine);
    }

    private sealed class PeerBuilder(int sectionLine)
    {
        public List<IPNetwork> AllowedIps { get; } = [];
        public string? PublicKey { get; set; }
        public string? Endpoint { get; set; }
        public int? PersistentKeepalive { get; set; }
        public bool HasPresharedKey { get; set; }

        public WireGuardConfigPeer Build() =>
            new(PublicKey, [.. AllowedIps], Endpoint, PersistentKeepalive, HasPresharedKey, sectionLine);
    }
}
