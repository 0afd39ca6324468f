using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using static Runbooks.Tests.Autoextend.GrowthSamples;

namespace Runbooks.Tests.Autoextend.History;

public class HistoryFileTests
{
    private static readonly GrowthRecord[] Mixed =
    [
        Sample(0, 1024 * MiB, 700 * MiB, 1028 * MiB),
        new(Start.AddSeconds(1.234), GrowthEvent.Extend, "vg0/data0", 1524 * MiB, 830 * MiB, 694 * MiB, 98304, 1300, 1528 * MiB, 1548 * MiB, 500 * MiB, 2.0625, "lvextend -r, \"quoted\"; -L +500M"),
        Event(2, GrowthEvent.AddDisk, 1024 * MiB, 0.1, "=sdc"),
        Event(3, GrowthEvent.Alert, detail: "at 95% after growing"),
        Event(4, GrowthEvent.Error, detail: "ssh: connection refused"),
        Event(5, GrowthEvent.Repair, detail: "remounted rw"),
    ];

    [Fact]
    public void Records_read_back_as_they_were_written_with_iso_times_and_kebab_case_kinds()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        foreach (var record in Mixed)
            history.Append(record);

        var contents = history.Read();

        Assert.Equal(Mixed, contents.Records);
        Assert.Empty(contents.TornLines);
        var lines = File.ReadAllLines(history.Path);
        Assert.Equal(string.Join(",", HistoryFile.Columns), lines[0]);
        Assert.StartsWith("2026-11-01T12:00:01.234Z,extend,vg0/data0,", lines[2], StringComparison.Ordinal);
        Assert.Contains(",add-disk,", lines[3], StringComparison.Ordinal);
        Assert.EndsWith(",524288000,2.0625,\"lvextend -r, \"\"quoted\"\"; -L +500M\"", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Times_are_written_in_utc_to_the_millisecond()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        history.Append(Sample(0, 1, 1, 1) with { Time = new DateTimeOffset(2026, 11, 1, 14, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567) });

        Assert.StartsWith("2026-11-01T12:00:00.123Z,", File.ReadAllLines(history.Path)[1], StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 0, 123, TimeSpan.Zero), history.Read().Records.Single().Time);
    }

    [Theory]
    [InlineData("2026-11-01T12:00:00Z", 0)]
    [InlineData("2026-11-01T12:00:00.5Z", 500)]
    [InlineData("2026-11-01T14:00:00.250+02:00", 250)]
    public void Times_written_by_hand_in_other_iso_forms_are_read(string time, int milliseconds)
    {
        using var folder = new TempFolder();
        var path = folder.File("history.csv", string.Join(",", HistoryFile.Columns) + $"\n{time},sample,vg0/data0,1,1,0,1,1,1,1,,,\n");

        Assert.Equal(Start.AddMilliseconds(milliseconds), HistoryFile.Read(path).Records.Single().Time);
    }

    [Fact]
    public void A_detail_of_several_lines_is_kept_on_one_line()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        history.Append(Event(0, GrowthEvent.Error, detail: "lvextend failed:\n  Insufficient free space\r\n"));

        Assert.Equal(2, File.ReadAllLines(history.Path).Length);
        Assert.Equal("lvextend failed: |   Insufficient free space | ", history.Read().Records.Single().Detail);
    }

    [Fact]
    public void Rotation_keeps_the_newest_files_and_reading_returns_every_record_they_hold_in_time_order()
    {
        using var folder = new TempFolder();
        var options = new HistoryOptions(MaxFileBytes: 1000, KeepRotated: 3);
        var history = new HistoryFile(folder.Combine("history.csv"), options);
        var records = Filling(200);
        foreach (var record in records)
            history.Append(record);

        var files = history.Files();
        Assert.Equal(["history.csv.3", "history.csv.2", "history.csv.1", "history.csv"], files.Select(Path.GetFileName));
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, 1000));
        Assert.All(files, f => Assert.StartsWith("time,kind,", File.ReadAllLines(f)[0], StringComparison.Ordinal));
        Assert.False(File.Exists(folder.Combine("history.csv.4")));

        var read = history.Read().Records;
        Assert.Equal(records.TakeLast(read.Length), read);
        Assert.InRange(read.Length, 15, 40);
    }

    [Fact]
    public void Reading_sorts_by_time_across_files()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("history.csv");
        var history = new HistoryFile(path);
        history.Append(Sample(10, 1, 1, 1));
        File.Move(path, path + ".1");
        history.Append(Sample(5, 1, 1, 1));
        history.Append(Sample(20, 1, 1, 1));

        Assert.Equal([5.0, 10, 20], history.Read().Records.Select(r => (r.Time - Start).TotalSeconds));
    }

    [Fact]
    public void A_torn_last_line_is_reported_and_skipped_and_the_next_append_starts_clean()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        history.Append(Mixed[0]);
        history.Append(Mixed[1]);
        File.AppendAllText(history.Path, "2026-11-01T12:00:09.000Z,sample,vg0/da");

        var contents = history.Read();
        Assert.Equal(Mixed[..2], contents.Records);
        var torn = Assert.Single(contents.TornLines);
        Assert.Equal(new TornLine(history.Path, 4, "2026-11-01T12:00:09.000Z,sample,vg0/da"), torn);

        history.Append(Mixed[2]);
        var after = history.Read();
        Assert.Equal(Mixed[..3], after.Records);
        Assert.Empty(after.TornLines);
    }

    [Fact]
    public void A_torn_quoted_detail_is_a_torn_line_too()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        history.Append(Mixed[0]);
        File.AppendAllText(history.Path, "2026-11-01T12:00:09.000Z,error,vg0/data0,0,0,0,0,0,0,0,,,\"ssh: conn");

        Assert.Equal("2026-11-01T12:00:09.000Z,error,vg0/data0,0,0,0,0,0,0,0,,,\"ssh: conn", history.CutTornLine()?.Text);
        Assert.Null(history.CutTornLine());
        Assert.Equal<GrowthRecord>([Mixed[0]], history.Read().Records);
    }

    [Fact]
    public void A_history_torn_in_its_header_has_no_records()
    {
        using var folder = new TempFolder();
        var path = folder.File("history.csv", "time,kind,vol");

        var contents = HistoryFile.Read(path);

        Assert.Empty(contents.Records);
        Assert.Equal(1, Assert.Single(contents.TornLines).Line);
    }

    [Theory]
    [InlineData("2026-11-01T12:00:00.000Z,grow,vg0/data0,1,1,0,1,1,1,1,,,", 3, "kind is \"grow\", not one of sample, extend, add-disk, alert, error, repair")]
    [InlineData("2026-11-01T12:00:00.000Z,sample,vg0/data0,1,x1,0,1,1,1,1,,,", 3, "filesystem_used is \"x1\", not a whole number ≥ 0")]
    [InlineData("2026-11-01T12:00:00.000Z,sample,vg0/data0,1,-1,0,1,1,1,1,,,", 3, "filesystem_used is \"-1\"")]
    [InlineData("01/11/2026 12:00,sample,vg0/data0,1,1,0,1,1,1,1,,,", 3, "time is \"01/11/2026 12:00\", not an ISO-8601 UTC time")]
    [InlineData("2026-11-01T12:00:00.000Z,sample,vg0/data0,1,1,0", 3, "6 fields where the header has 13")]
    [InlineData("2026-11-01T12:00:00.000Z,extend,vg0/data0,1,1,0,1,1,1,1,5,soon,", 3, "action_seconds is \"soon\"")]
    [InlineData("2026-11-01T12:00:00.000Z,sample,,1,1,0,1,1,1,1,,,", 3, "volume is \"\"")]
    [InlineData("2026-11-01T12:00:00.000Z,sample,vg0/data0,1,1,0,1,1,1,1,,,a\"b", 3, "not CSV as written here")]
    public void A_malformed_line_names_the_file_the_line_and_what_was_wrong(string bad, int line, string problem)
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        history.Append(Mixed[0]);
        File.AppendAllText(history.Path, bad + "\n");
        history.Append(Mixed[1]);

        var e = Assert.Throws<HistoryFormatException>(history.Read);

        Assert.Equal(history.Path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{history.Path} line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("correct or delete that line", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_history_is_refused_at_its_header()
    {
        using var folder = new TempFolder();
        var path = folder.File("history.csv", "a,b,c\n1,2,3\n");

        var e = Assert.Throws<HistoryFormatException>(() => HistoryFile.Read(path));

        Assert.Equal(1, e.Line);
        Assert.Contains("the header lacks time, kind, volume", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_history_names_the_file()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => HistoryFile.Read(folder.Combine("none.csv")));
        Assert.Contains("none.csv: no such growth history", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_lines_and_windows_line_endings_are_read()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"));
        history.Append(Mixed[0]);
        history.Append(Mixed[3]);
        File.WriteAllText(history.Path, File.ReadAllText(history.Path).Replace("\n", "\r\n\r\n", StringComparison.Ordinal));

        Assert.Equal<GrowthRecord>([Mixed[0], Mixed[3]], history.Read().Records);
    }
}
