using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class DeletedFilesParserTests
{
    [Fact]
    public void TheHeldTempfile_HasItsPidFdAndBothSizes()
    {
        var files = DeletedFilesParser.Parse(StorageFixtures.Read("deleted.txt"));

        var held = Assert.Single(files, f => f.Path == "/tmp/rbsto/.tempfile");
        // 40 MiB apparent (truncate), 5 MiB written.
        Assert.Equal((5, "sleep", 7, 40L * 1024 * 1024, 5L * 1024 * 1024), (held.Pid, held.Command, held.Descriptor, held.Size, held.AllocatedBytes));
        // The .NET runtime's own double-mapped memfd shows too: "deleted" by nature, not a file on a disk.
        Assert.Contains(files, f => f is { Command: "dotnet", Path: "/memfd:doublemapper" });
    }

    [Theory]
    [InlineData("5\t7\t100\t8\t512\tsleep\n", "line 1", "6 tab-separated fields; expected 7")]
    [InlineData("\n5\tseven\t100\t8\t512\tsleep\t/x\n", "line 2", "fd \"seven\" is not a whole number")]
    public void MalformedLines_NameTheLine(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => DeletedFilesParser.Parse(text));

        Assert.Equal((DeletedFilesParser.Format, location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
