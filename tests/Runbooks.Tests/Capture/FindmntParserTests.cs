using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class FindmntParserTests
{
    [Fact]
    public void TheReadOnlyLoopMount_ShowsRoInEveryOptionList()
    {
        var mounts = FindmntParser.Parse(StorageFixtures.Read("findmnt.json"));

        var data = Assert.Single(mounts, m => m.Target == "/tmp/rbsto/mnt/data");
        Assert.Equal(("/dev/loop4", "ext4", true), (data.Source, data.FsType, data.ReadOnly));
        Assert.Equal(["ro", "relatime"], data.Options.ToArray());
        Assert.Equal(["ro", "relatime"], data.VfsOptions.ToArray());
        Assert.Equal(["ro"], data.FsOptions.ToArray());
        var root = mounts.First(m => m.Target == "/");
        Assert.False(root.ReadOnly);
        Assert.Contains(mounts, m => m.Id == data.ParentId);
    }

    [Theory]
    [InlineData("{\"filesystems\":[{\"id\":\"x\",\"parent\":1,\"target\":\"/\",\"source\":\"/dev/vda\",\"fstype\":\"ext4\",\"options\":\"rw\"}]}", "$.filesystems[0].id", "expected a whole number")]
    [InlineData("{\"filesystems\":[{\"id\":1,\"parent\":1,\"source\":\"/dev/vda\",\"fstype\":\"ext4\",\"options\":\"rw\"}]}", "$.filesystems[0].target", "is missing")]
    public void MalformedOutput_NamesThePath(string json, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => FindmntParser.Parse(json));

        Assert.Equal(("findmnt -J -l", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
