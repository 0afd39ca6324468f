using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public class LsattrParserTests
{
    [Fact]
    public void Flags_and_paths_are_read_as_lsattr_prints_them()
    {
        var attributes = LsattrParser.Parse(StorageFixtures.Read("lsattr/mount-roots.txt"));

        Assert.Equal(["/data", "/", "/srv/append only"], attributes.Select(a => a.Path));
        Assert.Equal([true, false, false], attributes.Select(a => a.Immutable));
        Assert.Equal([false, false, true], attributes.Select(a => a.AppendOnly));
    }

    [Theory]
    [InlineData("lsattr: Operation not supported While reading flags on /mnt")]
    [InlineData("----i----")]
    public void Anything_else_is_refused_with_its_line(string line)
    {
        var e = Assert.Throws<CaptureFormatException>(() => LsattrParser.Parse("--------------e------- /\n" + line + "\n"));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }
}
