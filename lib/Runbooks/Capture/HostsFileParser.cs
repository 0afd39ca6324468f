using System.Collections.Immutable;
using System.Net;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>Parses /etc/hosts: "address name [aliases…]" per line, '#' to the end of a line is a comment.</summary>
public static class HostsFileParser
{
    private const string Format = "/etc/hosts";

    public static ImmutableArray<HostsEntry> Parse(string text)
    {
        var entries = ImmutableArray.CreateBuilder<HostsEntry>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var hash = raw.IndexOf('#');
            var words = (hash >= 0 ? raw[..hash] : raw).Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            if (!IPAddress.TryParse(words[0], out var address) || words[0].Contains('/'))
                throw CaptureFormatException.AtLine(Format, number, $"\"{words[0]}\" is not an IP address; expected \"address name [aliases…]\", e.g. \"192.0.2.10 db db.internal\" (the resolver skips such a line)");
            if (words.Length == 1)
                throw CaptureFormatException.AtLine(Format, number, $"the address {words[0]} has no name after it; expected \"address name [aliases…]\"");
            entries.Add(new HostsEntry(address, [.. words[1..]], number));
        }
        return entries.ToImmutable();
    }
}
