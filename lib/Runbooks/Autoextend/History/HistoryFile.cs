using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CsvHelper;

namespace Runbooks.Autoextend.History;

/// <summary>
/// The grower's history as CSV, one record a line: appended one record at a time and flushed to disk at once, so a
/// crash loses at most the line being written; rotated by size (history.csv → history.csv.1 … .N); read back whole.
/// Times are UTC ISO-8601 with milliseconds, kinds kebab-case ("add-disk"), numbers invariant.
/// </summary>
/// <remarks>
/// One writer at a time (the grower); readers may read while it writes (a line being written reads as torn). A line break in a detail is written as " | " so
/// that a record is always one line: line numbers in errors are the file's, and a torn write is exactly the last line.
/// </remarks>
public sealed class HistoryFile
{
    /// <summary>The header, in the order of <see cref="GrowthRecord"/>'s members.</summary>
    public static readonly ImmutableArray<string> Columns =
    [
        "time", "kind", "volume", "filesystem_size", "filesystem_used", "filesystem_available", "inodes_total", "inodes_used",
        "volume_size", "group_free", "action_bytes", "action_seconds", "detail",
    ];

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"];
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly CsvWriterOptions WriterOptions = CsvWriterOptions.Default with { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture };

    // A stray quote is an error, not something to recover from: the file was not written by this class.
    private static readonly CsvReaderOptions ReaderOptions = CsvReaderOptions.Default with
    {
        Separator = ',', HasHeader = true, DetectSeparatorHint = false, TrackLineNumbers = true, MalformedData = CsvMalformedDataHandling.Throw,
        FormatProvider = CultureInfo.InvariantCulture,
    };

    private static readonly byte[] Header = Utf8.GetBytes(Line(Columns));

    public HistoryFile(string path, HistoryOptions? options = null)
    {
        Options = options ?? new HistoryOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxFileBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.KeepRotated, nameof(options));
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The file being appended to; the rotated ones are this path with ".1" (newest) to ".N" appended.</summary>
    public string Path { get; }

    public HistoryOptions Options { get; }

    /// <summary>Reads the history at <paramref name="path"/> and its rotated files.</summary>
    /// <exception cref="HistoryFormatException">A line that is not a growth record (a torn last line is not an error).</exception>
    /// <exception cref="FileNotFoundException">Neither the file nor any rotated file exists.</exception>
    public static HistoryContents Read(string path) => new HistoryFile(path).Read();

    /// <summary>
    /// Appends one record and, unless it is a sample, flushes it to disk. A torn last line left by a crash is cut off first, so the new record
    /// starts on a line of its own; the file is rotated first when the record would take it past the size limit.
    /// </summary>
    public void Append(GrowthRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var line = Utf8.GetBytes(Line(Fields(record)));
        CutTornLine();
        var length = File.Exists(Path) ? new FileInfo(Path).Length : 0;
        if (length == 0)
            // A fresh install names a folder nobody made yet (/var/lib/runbook/autoextend/).
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        if (length > Header.Length && length + line.Length > Options.MaxFileBytes)
        {
            Rotate();
            length = 0;
        }
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        // a new file's header and first record in one write: a crash tears at most that one line
        var bytes = length == 0 ? [.. Header, .. line] : line;
        stream.Write(bytes);
        // Actions reach the disk before Append returns. Samples (one a second) are left to the page cache: a crash
        // loses at most its last seconds of samples, and an fsync a second was a large part of an idle grower's cost.
        stream.Flush(flushToDisk: record.Kind != GrowthEvent.Sample);
    }

    /// <summary>
    /// Cuts off a last line that lacks its newline, the mark of a write a crash interrupted, and returns what was cut
    /// (null if the file ends cleanly). <see cref="Append"/> does this itself; call it to log what a crash lost.
    /// </summary>
    public TornLine? CutTornLine()
    {
        if (!File.Exists(Path))
            return null;
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        if (stream.Length == 0)
            return null;
        stream.Position = stream.Length - 1;
        if (stream.ReadByte() == '\n')
            return null;
        var start = LineStart(stream);
        stream.Position = start;
        var torn = new byte[stream.Length - start];
        stream.ReadExactly(torn);
        stream.Position = 0;
        var line = 1 + CountNewlines(stream, start);
        stream.SetLength(start);
        stream.Flush(flushToDisk: true);
        return new TornLine(Path, line, Utf8.GetString(torn));
    }

    /// <summary>The files that exist, oldest first: history.csv.N … history.csv.1, history.csv.</summary>
    public ImmutableArray<string> Files()
    {
        var rotated = Rotated().OrderByDescending(r => r.Number).Select(r => r.File);
        return [.. rotated, .. File.Exists(Path) ? [Path] : Array.Empty<string>()];
    }

    /// <summary>Every record of every file, in time order (records of the same time keep their order in the files).</summary>
    /// <exception cref="HistoryFormatException">A line that is not a growth record (a torn last line is not an error).</exception>
    /// <exception cref="FileNotFoundException">Neither the file nor any rotated file exists.</exception>
    public HistoryContents Read()
    {
        var files = Files();
        if (files.IsEmpty)
            throw new FileNotFoundException($"{Path}: no such growth history (nor any rotated {System.IO.Path.GetFileName(Path)}.N next to it). " +
                "Give the CSV file that runbook autoextend writes.", Path);
        var records = new List<GrowthRecord>();
        var torn = ImmutableArray.CreateBuilder<TornLine>();
        foreach (var file in files)
        {
            var text = ReadShared(file);
            var end = text.Length == 0 || text.EndsWith('\n') ? text.Length : text.LastIndexOf('\n') + 1;
            if (end < text.Length)
                torn.Add(new TornLine(file, 1 + text.AsSpan(0, end).Count('\n'), text[end..]));
            records.AddRange(Parse(file, text[..end]));
        }
        return new HistoryContents([.. records.OrderBy(r => r.Time)], torn.ToImmutable());
    }

    private static List<GrowthRecord> Parse(string file, string text)
    {
        var records = new List<GrowthRecord>();
        using var csv = CsvReader.Create(new StringReader(text), ReaderOptions);
        try
        {
            var header = csv.Headers;
            if (header.Count == 0)
                return records;
            var missing = Columns.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0)
                throw new HistoryFormatException(file, 1, $"the header lacks {string.Join(", ", missing)}: a growth history starts with the line {string.Join(",", Columns)}");
            while (csv.Read())
            {
                var line = (int)csv.LineNumber;
                if (csv.FieldCount != header.Count)
                    throw new HistoryFormatException(file, line, $"{csv.FieldCount} fields where the header has {header.Count}");
                records.Add(new FieldReader(file, line, csv).Record());
            }
        }
        catch (CsvFormatException e)
        {
            throw new HistoryFormatException(file, (int)e.LineNumber, $"not CSV as written here ({e.Message}): a field with a quote or comma is quoted whole, its quotes doubled");
        }
        return records;
    }

    // The record's fields by column name, each converted with an error that names the column and the text found.
    private readonly struct FieldReader(string file, int line, CsvReader csv)
    {
        public GrowthRecord Record() => new(
            Time(), Kind(), Text("volume") is { Length: > 0 } volume ? volume : throw Wrong("volume", "", "a volume group/volume such as vg0/data0"),
            Bytes("filesystem_size"), Bytes("filesystem_used"), Bytes("filesystem_available"),
            Bytes("inodes_total"), Bytes("inodes_used"),
            Bytes("volume_size"), Bytes("group_free"),
            Text("action_bytes") is { Length: > 0 } ? Bytes("action_bytes") : null,
            Seconds(), Text("detail") is { Length: > 0 } detail ? detail : null);

        private string Text(string column) => csv.GetString(column);

        private DateTimeOffset Time() =>
            DateTimeOffset.TryParseExact(Text("time"), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : throw Wrong("time", Text("time"), "an ISO-8601 UTC time such as 2026-11-01T12:00:00.000Z");

        private GrowthEvent Kind() =>
            GrowthEvents.TryParse(Text("kind"), out var kind) ? kind : throw Wrong("kind", Text("kind"), $"one of {string.Join(", ", GrowthEvents.Names)}");

        private long Bytes(string column) =>
            long.TryParse(Text(column), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw Wrong(column, Text(column), "a whole number ≥ 0");

        private double? Seconds() => Text("action_seconds") switch
        {
            "" => null,
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0 => seconds,
            var text => throw Wrong("action_seconds", text, "a number of seconds ≥ 0, or nothing"),
        };

        private HistoryFormatException Wrong(string column, string found, string expected) =>
            new(file, line, $"{column} is \"{found}\", not {expected}");
    }

    private static IEnumerable<string> Fields(GrowthRecord r) =>
    [
        r.Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture),
        GrowthEvents.Name(r.Kind),
        OneLine(r.Volume),
        .. ((long[])[r.FilesystemSize, r.FilesystemUsed, r.FilesystemAvailable, r.InodesTotal, r.InodesUsed, r.VolumeSize, r.GroupFree]).Select(Number),
        r.ActionBytes is { } bytes ? Number(bytes) : "",
        r.ActionSeconds?.ToString("R", CultureInfo.InvariantCulture) ?? "",
        r.Detail is null ? "" : OneLine(r.Detail),
    ];

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string OneLine(string text) => text.ReplaceLineEndings(" | ");

    private static string Line(IEnumerable<string> fields)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, WriterOptions, leaveOpen: true))
        {
            foreach (var field in fields)
                csv.WriteField(field);
            csv.EndRecord();
        }
        return text.ToString();
    }

    private void Rotate()
    {
        foreach (var (file, _) in Rotated().Where(r => r.Number >= Options.KeepRotated))
            File.Delete(file);
        for (var n = Options.KeepRotated - 1; n >= 1; n--)
            if (File.Exists($"{Path}.{n}"))
                File.Move($"{Path}.{n}", $"{Path}.{n + 1}", overwrite: true);
        if (Options.KeepRotated == 0)
            File.Delete(Path);
        else
            File.Move(Path, $"{Path}.1", overwrite: true);
    }

    private IEnumerable<(string File, int Number)> Rotated()
    {
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(folder))
            yield break;
        var prefix = System.IO.Path.GetFileName(Path) + ".";
        // the pattern matches history.csv itself too ("*" may be empty): the prefix test sorts that out
        foreach (var file in Directory.EnumerateFiles(folder, prefix + "*"))
            if (System.IO.Path.GetFileName(file) is var name && name.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
                yield return (file, number);
    }

    // The writer holds the file open for appending: open it for reading alongside.
    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Utf8);
        return reader.ReadToEnd();
    }

    // Where the last line starts: just after the last newline, or at 0.
    private static long LineStart(FileStream stream)
    {
        var buffer = new byte[4096];
        for (var position = stream.Length; position > 0;)
        {
            var size = (int)Math.Min(buffer.Length, position);
            position -= size;
            stream.Position = position;
            stream.ReadExactly(buffer, 0, size);
            var newline = Array.LastIndexOf(buffer, (byte)'\n', size - 1, size);
            if (newline >= 0)
                return position + newline + 1;
        }
        return 0;
    }

    private static int CountNewlines(FileStream stream, long end)
    {
        var buffer = new byte[65536];
        var count = 0;
        for (long position = 0; position < end;)
        {
            var size = (int)Math.Min(buffer.Length, end - position);
            stream.ReadExactly(buffer, 0, size);
            count += buffer.AsSpan(0, size).Count((byte)'\n');
            position += size;
        }
        return count;
    }
}
