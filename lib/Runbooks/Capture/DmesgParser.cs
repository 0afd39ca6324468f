using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>dmesg</c> lines, "[  123.456789] text" (util-linux and busybox alike): the time since boot and the text.
/// A line without a timestamp (a continuation, or dmesg run with -t) keeps its text with no time.
/// </summary>
public static class DmesgParser
{
    public const string Format = "dmesg";

    public static ImmutableArray<KernelMessage> Parse(string text)
    {
        var messages = ImmutableArray.CreateBuilder<KernelMessage>();
        foreach (var (number, line) in Columns.NumberedLines(text))
        {
            if (!line.StartsWith('['))
            {
                messages.Add(new KernelMessage(null, line));
                continue;
            }
            var close = line.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !decimal.TryParse(line.AsSpan(1, close - 1).Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
                throw CaptureFormatException.AtLine(Format, number, $"\"{SectionedCapture.Cut(line, 60)}\" does not start with a timestamp such as \"[  12.345678]\"");
            messages.Add(new KernelMessage(TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond)), line[(close + 1)..].TrimStart()));
        }
        return messages.ToImmutable();
    }

    /// <summary><c>/proc/uptime</c>: "SECONDS IDLE-SECONDS".</summary>
    public static TimeSpan ParseUptime(string text)
    {
        var first = text.Trim().Split(' ')[0];
        return decimal.TryParse(first, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond))
            : throw CaptureFormatException.AtLine("/proc/uptime", 1, $"\"{SectionedCapture.Cut(text.Trim(), 40)}\" does not start with the seconds since boot, e.g. \"12345.67 23456.78\"");
    }
}
