using System.Xml.Linq;
using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using static Runbooks.Tests.Autoextend.GrowthSamples;

namespace Runbooks.Tests.Cli;

public class PlotCommandTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Plot_writes_an_html_page_next_to_the_history_by_default()
    {
        using var folder = new TempFolder();
        Write(folder.Combine("history.csv"), Filling(400));

        var outcome = Runbook.Run(folder.Path, "plot", "history.csv");

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Contains("wrote history.html: vg0/data0, 400 samples, 2 events", outcome.Stdout, StringComparison.Ordinal);
        var page = File.ReadAllText(folder.Combine("history.html"));
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Contains("<title>Growth of vg0/data0</title>", page, StringComparison.Ordinal);
        Assert.Contains("plotly.js (basic - minified) v4.1.1", page, StringComparison.Ordinal);
        Assert.Contains("<noscript>", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Plot_writes_an_svg_with_the_title_and_threshold_asked_for_from_rotated_files_too()
    {
        using var folder = new TempFolder();
        var history = new HistoryFile(folder.Combine("history.csv"), new HistoryOptions(MaxFileBytes: 4096, KeepRotated: 20));
        foreach (var record in Filling(300))
            history.Append(record);
        Assert.True(File.Exists(folder.Combine("history.csv.1")));

        var outcome = Runbook.Run(folder.Path, "plot", "history.csv", "-o", "growth.svg", "--threshold", "90", "--title", "data <0>");

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        var svg = XDocument.Load(folder.Combine("growth.svg"));
        Assert.Equal("data <0>", svg.Root!.Element(Svg + "title")?.Value);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "threshold 90%");
        Assert.Equal(4, svg.Descendants(Svg + "polyline").Count());
    }

    [Fact]
    public void A_torn_last_line_is_reported_and_the_rest_is_plotted()
    {
        using var folder = new TempFolder();
        Write(folder.Combine("history.csv"), Filling(10));
        File.AppendAllText(folder.Combine("history.csv"), "2026-11-01T12:01:00.000Z,sam");

        var outcome = Runbook.Run(folder.Path, "plot", "history.csv", "-o", "x.svg");

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Contains("history.csv line 12 was cut short", outcome.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none.csv", null, "none.csv: no such growth history")]
    [InlineData("history.csv", "time,kind,volume,filesystem_size,filesystem_used,filesystem_available,inodes_total,inodes_used,volume_size,group_free,action_bytes,action_seconds,detail\n", "history.csv: the history has no records yet, nothing to plot")]
    [InlineData("history.csv", "time,kind,volume,filesystem_size,filesystem_used,filesystem_available,inodes_total,inodes_used,volume_size,group_free,action_bytes,action_seconds,detail\n2026-11-01T12:00:00.000Z,sample,vg0/data0,1,1,0,1,1,1,1,,,\nnot,a,record\n", "history.csv line 3: 3 fields where the header has 13")]
    [InlineData("history.csv", "df output\n/dev/sda 100 50\n", "history.csv line 1: the header lacks time")]
    public void Bad_input_exits_2_naming_the_file_and_what_to_do(string argument, string? content, string message)
    {
        using var folder = new TempFolder();
        if (content is not null)
            folder.File("history.csv", content);

        var outcome = Runbook.Run(folder.Path, "plot", argument);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(message, outcome.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.Combine("history.html")));
    }

    [Theory]
    [InlineData("-o", "plot.png", "the output must end in .svg")]
    [InlineData("--threshold", "0", "--threshold 0: a percentage")]
    [InlineData("--volume", "vg1/logs", "--volume vg1/logs: ")]
    public void Bad_options_exit_2(string option, string value, string message)
    {
        using var folder = new TempFolder();
        Write(folder.Combine("history.csv"), Filling(10));

        var outcome = Runbook.Run(folder.Path, "plot", "history.csv", option, value);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(message, outcome.Stderr, StringComparison.Ordinal);
    }

    private static void Write(string path, IEnumerable<GrowthRecord> records)
    {
        var history = new HistoryFile(path);
        foreach (var record in records)
            history.Append(record);
    }
}
