using System.Collections.Immutable;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses sysctl values: the runtime values the capture reads from /proc/sys, and the settings of sysctl.conf
/// files (<c>/etc/sysctl.conf</c>, <c>/etc/sysctl.d/*.conf</c>…).
/// </summary>
/// <remarks>
/// Names are given in sysctl's dotted form: the path below /proc/sys with '/' as '.', and a '.' inside one part (an
/// interface named eth0.100) as '/', so "net.ipv4.conf.eth0/100.rp_filter" names /proc/sys/net/ipv4/conf/eth0.100/rp_filter,
/// as <c>sysctl -a</c> prints it.
/// </remarks>
public static class SysctlParser
{
    private const string ProcSys = "/proc/sys/";

    /// <summary>
    /// Runtime values, as the capture prints them with <c>head -v -n 1 /proc/sys/…</c> ("==&gt; /proc/sys/net/ipv4/ip_forward
    /// &lt;==" then the value), or as <c>sysctl</c> prints them ("net.ipv4.ip_forward = 1").
    /// </summary>
    public static ImmutableDictionary<string, string> ParseValues(string text)
    {
        const string format = "sysctl values";
        var values = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].TrimEnd('\r');
            if (line.Length == 0)
                continue;
            if (line.StartsWith("==> ", StringComparison.Ordinal))
            {
                if (!line.EndsWith(" <==", StringComparison.Ordinal) || !line.StartsWith("==> " + ProcSys, StringComparison.Ordinal))
                    throw CaptureFormatException.AtLine(format, index + 1, $"\"{line}\" is not a head header for a file under /proc/sys; expected \"==> /proc/sys/<path> <==\"");
                var path = line["==> ".Length..^" <==".Length];
                // The value is the line after the header; a header right after it means the file was empty.
                var value = index + 1 < lines.Length && !lines[index + 1].StartsWith("==> ", StringComparison.Ordinal) ? lines[++index].TrimEnd('\r') : "";
                values[FromPath(path[ProcSys.Length..])] = value;
                continue;
            }
            var equals = line.IndexOf(" = ", StringComparison.Ordinal);
            if (equals <= 0)
                throw CaptureFormatException.AtLine(format, index + 1, $"\"{line}\" is neither a \"==> /proc/sys/<path> <==\" header nor \"name = value\"");
            values[line[..equals]] = line[(equals + 3)..];
        }
        return values.ToImmutable();
    }

    /// <summary>
    /// The settings of one sysctl.conf file, as <c>sysctl -p</c> reads it: '#' and ';' start comment lines, each other
    /// non-blank line is "name = value" (spaces optional), a leading '-' on the name means "ignore if unknown".
    /// </summary>
    public static ImmutableArray<SysctlSetting> ParseFile(string path, string text)
    {
        var settings = ImmutableArray.CreateBuilder<SysctlSetting>();
        var format = $"sysctl file {path}";
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            var equals = line.IndexOf('=');
            if (equals < 0)
                throw CaptureFormatException.AtLine(format, number, $"\"{line}\" has no '='; expected \"name = value\", e.g. \"net.ipv4.ip_forward = 1\" (sysctl skips such a line with a warning)");
            var name = line[..equals].Trim();
            var ignoreErrors = name.StartsWith('-');
            if (ignoreErrors)
                name = name[1..].TrimStart();
            if (name.Length == 0)
                throw CaptureFormatException.AtLine(format, number, $"\"{line}\" has no name before '='; expected \"name = value\"");
            settings.Add(new SysctlSetting(path, number, Dotted(name), line[(equals + 1)..].Trim()) { IgnoreErrors = ignoreErrors });
        }
        return settings.ToImmutable();
    }

    /// <summary>A name as written in a file or on the command line, in dotted form: sysctl takes "net/ipv4/ip_forward" too.</summary>
    public static string Dotted(string name) => name.Contains('/') ? FromPath(name.TrimStart('/')) : name;

    private static string FromPath(string path) => string.Join('.', path.Split('/').Select(part => part.Replace('.', '/')));
}
