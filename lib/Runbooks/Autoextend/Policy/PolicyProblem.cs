namespace Runbooks.Autoextend.Policy;

/// <summary>
/// One thing wrong with a policy. <see cref="Source"/> is the config file as the user named it,
/// <see cref="PolicyProblem.CommandLine"/> for an option given there, or <see cref="PolicyProblem.InCode"/> for a
/// policy built in code. <see cref="Line"/> and <see cref="Column"/> are 1-based and only set inside a file.
/// <see cref="Key"/> is the JSON key (<c>usedPercentThreshold</c>) for a file or code, the option
/// (<c>--used-percent-threshold</c>) for the command line, and empty for the file as a whole.
/// </summary>
public sealed record PolicyProblem(string Source, int? Line, int? Column, string Key, string Message)
{
    public const string CommandLine = "command line";

    public const string InCode = "policy";

    /// <summary>Compiler-style <c>file:line:column: key: message</c>, which editors and CI logs link.</summary>
    public override string ToString()
    {
        var location = Line is { } line && Column is { } column ? $"{Source}:{line}:{column}" : Source;
        return Key.Length == 0 ? $"{location}: {Message}" : $"{location}: {Key}: {Message}";
    }
}
