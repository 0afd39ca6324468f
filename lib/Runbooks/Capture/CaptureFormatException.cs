namespace Runbooks.Capture;

/// <summary>
/// Command output that does not have the shape its parser knows: a format changed, the output was cut off, or the
/// wrong text was handed to the parser. The message names the format, where in it (a line or a JSON path) and what
/// was expected there, so the output can be checked by eye against the tool's documentation.
/// </summary>
public sealed class CaptureFormatException : FormatException
{
    public CaptureFormatException(string format, string location, string problem)
        : base($"{format} output, {location}: {problem}")
    {
        Format = format;
        Location = location;
        Problem = problem;
    }

    /// <summary>The format, as the command that prints it: "ip -j route", "iptables-save", "/etc/hosts"…</summary>
    public string Format { get; }

    /// <summary>"line 7" or a JSON path such as "$[3].dst".</summary>
    public string Location { get; }

    /// <summary>What was found and what was expected instead.</summary>
    public string Problem { get; }

    internal static CaptureFormatException AtLine(string format, int line, string problem) => new(format, $"line {line}", problem);
}
