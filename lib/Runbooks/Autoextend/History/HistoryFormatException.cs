namespace Runbooks.Autoextend.History;

/// <summary>
/// A growth history that cannot be read back: the message names the file, the line and what was wrong there, and
/// what to do about it. The history is only ever appended to by the grower, so this means it was edited by hand,
/// written by something else, or is not a history at all.
/// </summary>
public sealed class HistoryFormatException : FormatException
{
    public HistoryFormatException(string file, int line, string problem)
        : base($"{file} line {line}: {problem}. A growth history is written only by runbook autoextend; correct or delete that line, " +
            "or move the file aside to start a new history.")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }

    /// <summary>1-based; the header is line 1.</summary>
    public int Line { get; }

    /// <summary>What was found and what was expected instead.</summary>
    public string Problem { get; }
}
