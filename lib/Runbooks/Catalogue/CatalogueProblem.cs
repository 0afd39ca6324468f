namespace Runbooks.Catalogue;

/// <summary>
/// One thing wrong with a catalogue. <see cref="Line"/> and <see cref="Column"/> are 1-based (columns count
/// characters, not bytes) and null when the problem has no place in the file, e.g. the file is missing.
/// <see cref="KeyPath"/> is dotted (<c>notebooks.network-wireguard.profiles</c>, arrays as <c>redact[0]</c>);
/// empty for the top level.
/// </summary>
public sealed record CatalogueProblem(string File, int? Line, int? Column, string KeyPath, string Message)
{
    /// <summary>Compiler-style <c>file:line:column: key.path: message</c>, which editors and CI logs link.</summary>
    public override string ToString()
    {
        var location = Line is { } line && Column is { } column ? $"{File}:{line}:{column}" : File;
        return KeyPath.Length == 0 ? $"{location}: {Message}" : $"{location}: {KeyPath}: {Message}";
    }
}
