using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public class ScriptLinesParserTests
{
    [Fact]
    public void Path_line_and_text_are_split_at_the_first_two_colons()
    {
        var lines = ScriptLinesParser.Parse("/usr/local/sbin/logrotated:9:    mount -o remount,ro /data 2>/dev/null\n/x:1:a:b\n");

        Assert.Equal(("/usr/local/sbin/logrotated", 9, "    mount -o remount,ro /data 2>/dev/null"), (lines[0].Path, lines[0].Line, lines[0].Text));
        Assert.Equal("a:b", lines[1].Text);
    }

    [Fact]
    public void A_line_without_a_number_is_refused_naming_it()
    {
        var e = Assert.Throws<CaptureFormatException>(() => ScriptLinesParser.Parse("/x:1:ok\nnot grep output\n"));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("PATH:LINE:TEXT", e.Message, StringComparison.Ordinal);
    }
}
