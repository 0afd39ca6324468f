namespace Runbooks.Autoextend.History;

/// <summary>
/// When the history rotates: a file that would grow past <paramref name="MaxFileBytes"/> becomes history.csv.1 (the
/// one before becomes .2, and so on) and <paramref name="KeepRotated"/> rotated files are kept. A line is about 115
/// bytes, so the defaults keep about a year of one sample a minute (some 90,000 lines a file, 6 files, 60 MiB).
/// </summary>
public sealed record HistoryOptions(long MaxFileBytes = 10 * 1024 * 1024, int KeepRotated = 5);

/// <summary>The last line of a history file that a crash cut short: it is skipped, not read.</summary>
public sealed record TornLine(string File, int Line, string Text);

/// <summary>A history read back: every record of every file in time order, and the torn last lines that were skipped.</summary>
public sealed record HistoryContents(System.Collections.Immutable.ImmutableArray<GrowthRecord> Records, System.Collections.Immutable.ImmutableArray<TornLine> TornLines);
