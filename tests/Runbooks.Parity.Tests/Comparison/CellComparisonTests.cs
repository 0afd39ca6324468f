namespace Runbooks.Tests.Parity.Comparison;

/// <summary>The comparison on outputs captured from dotnet-interactive 1.0.712001 (its stdio events) and from the engine.</summary>
public class CellComparisonTests
{
    // ReturnValueProduced of `1 + 1` in the real kernel (style sheet shortened).
    private const string RealTwo = "<div class=\"dni-plaintext\"><pre>2</pre></div><style>\r\n.dni-code-hint {\r\n    font-style: italic;\r\n}\r\n</style>";

    private static ObservedCell Cell(bool ok, params ObservedOutput[] outputs) => new(ok, ok ? null : "boom", outputs);

    private static ObservedOutput Html(OutputKind kind, string html) => new(kind, [("text/html", html)]);

    [Fact]
    public void The_same_value_in_both_markups_is_equal_once_the_style_sheet_is_dropped()
    {
        var differences = CellComparison.Compare(1, Cell(true, Html(OutputKind.Result, "<div class=\"dni-plaintext\"><pre>2</pre></div>")), Cell(true, Html(OutputKind.Result, RealTwo)));

        Assert.Empty(differences);
    }

    [Fact]
    public void A_cell_that_passes_in_one_kernel_only_is_a_difference_that_fails()
    {
        var difference = Assert.Single(CellComparison.Compare(3, Cell(true), Cell(false)));

        Assert.False(difference.Known);
        Assert.Contains("fails in the real kernel: boom", difference.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_mime_type_or_kind_fails_and_says_both_shapes()
    {
        var ours = Cell(true, new ObservedOutput(OutputKind.Result, [("text/plain", "2")]));

        var difference = Assert.Single(CellComparison.Compare(2, ours, Cell(true, Html(OutputKind.Result, RealTwo))));

        Assert.False(difference.Known);
        Assert.Contains("engine [result [text/plain]], real kernel [result [text/html]]", difference.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Live_values_in_the_same_markup_are_listed_not_failed_but_other_markup_fails()
    {
        var live = CellComparison.Compare(1, Cell(true, Html(OutputKind.Display, "<td>up 3 min</td>")), Cell(true, Html(OutputKind.Display, "<td>up 1 day</td>")));
        var markup = CellComparison.Compare(1, Cell(true, Html(OutputKind.Display, "<td>x</td>")), Cell(true, Html(OutputKind.Display, "<th>x</th>")));

        Assert.True(Assert.Single(live).Known);
        Assert.False(Assert.Single(markup).Known);
    }

    [Fact]
    public void Numbers_keys_and_split_stream_writes_do_not_count()
    {
        var ours = Cell(true, new ObservedOutput(OutputKind.Stdout, [("text/plain", "peer 5u0HbN2ZuTDQ6qPLbB8ZOAsXQvXRmqSqjnZ5Wlgui1o= 12 s ago\n")]));
        var real = Cell(true, new ObservedOutput(OutputKind.Stdout, [("text/plain", "peer Qm0NkN2ZuTDQ6qPLbB8ZOAsXQvXRmqSqjnZ5Wlgui1o= ")]),
            new ObservedOutput(OutputKind.Stdout, [("text/plain", "3 s ago\n")]));

        Assert.Empty(CellComparison.Compare(1, ours, real));
    }

    [Fact]
    public void A_duration_in_another_unit_does_not_count_but_other_words_do()
    {
        // The network runbook's transcript table, as the two kernels' runs timed one command.
        var ours = Cell(true, new ObservedOutput(OutputKind.Display, [("text/markdown", "| 3 | 0 | 1.2 s | ok |")]));
        var real = Cell(true, new ObservedOutput(OutputKind.Display, [("text/markdown", "| 3 | 0 | 850 ms | ok |")]));
        var worded = Cell(true, new ObservedOutput(OutputKind.Display, [("text/markdown", "| 3 | 0 | 850 ms | failed |")]));

        Assert.Empty(CellComparison.Compare(1, ours, real));
        Assert.False(Assert.Single(CellComparison.Compare(1, ours, worded)).Known);
    }

    [Fact]
    public void The_real_kernel_s_nuget_progress_display_is_a_known_difference()
    {
        var progress = Html(OutputKind.Display, "<div><div></div><div><strong>Installed Packages</strong><ul><li><span>Humanizer, 2.14.1</span></li></ul></div><div></div></div>");

        var difference = Assert.Single(CellComparison.Compare(1, Cell(true), Cell(true, progress)));

        Assert.True(difference.Known);
    }
}
