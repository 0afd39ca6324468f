using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class DfParserTests
{
    [Fact]
    public void Rows_GiveBytesAndInodes()
    {
        var rows = DfParser.Parse(StorageFixtures.Read("df.txt"));

        var data = Assert.Single(rows, r => r.Target == "/tmp/rbsto/mnt/data");
        Assert.Equal(("/dev/loop4", "ext4", 57381888L, 16384L, 52669440L, (int?)1), (data.Source, data.FsType, data.Size, data.Used, data.Available, data.UsePercent));
        Assert.Equal((16384L, 13L, 16371L, (int?)1), (data.Inodes, data.InodesUsed, data.InodesFree, data.InodesUsePercent));
        var root = Assert.Single(rows, r => r.Target == "/");
        Assert.Equal(root.Size > 0, root.UsePercent > 0);
        Assert.DoesNotContain(rows, r => r.Source == "Filesystem");
    }

    [Theory]
    [InlineData("Filesystem Type 1B-blocks Used Avail Use% Inodes IUsed IFree IUse% Mounted on\n/dev/vda ext4 1.5G 1 1 1% 1 1 1 1% /\n", "line 2", "size \"1.5G\" is not a whole number")]
    [InlineData("/dev/vda ext4 10 1 9 10 1 1 1 1% /\n", "line 1", "pcent \"10\" is not a percentage")]
    [InlineData("/dev/vda ext4 10 1 9 10%\n", "line 1", "6 columns; expected 11")]
    public void MalformedLines_NameTheLine(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => DfParser.Parse(text));

        Assert.Equal(("df -B1 --output", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
