using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class LosetupParserTests
{
    [Fact]
    public void LoopDevices_WithBackingFileFlagsAndADeletedBackingFile()
    {
        var loops = LosetupParser.Parse(StorageFixtures.Read("losetup.json")).ToDictionary(l => l.Name);

        Assert.Equal(6, loops.Count);
        Assert.Equal(("/tmp/rbsto/img/disk0.img", false, 0L, 0L, false, false),
            (loops["/dev/loop0"].BackingFile, loops["/dev/loop0"].BackingFileDeleted, loops["/dev/loop0"].SizeLimit, loops["/dev/loop0"].Offset, loops["/dev/loop0"].AutoClear, loops["/dev/loop0"].ReadOnly));
        // mount -o loop,ro sets up its own device: autoclear and read-only.
        Assert.Equal(("/tmp/rbsto/img/data.img", true, true), (loops["/dev/loop4"].BackingFile, loops["/dev/loop4"].AutoClear, loops["/dev/loop4"].ReadOnly));
        // The file was removed while attached: losetup appends " (deleted)".
        Assert.Equal(("/tmp/rbsto/img/gone.img", true), (loops["/dev/loop5"].BackingFile, loops["/dev/loop5"].BackingFileDeleted));
    }

    [Fact]
    public void NoLoopDevice_PrintsNothing_WhichIsAnEmptyList() => Assert.Empty(LosetupParser.Parse(""));

    [Theory]
    [InlineData("{\"loopdevices\":[{\"name\":\"/dev/loop0\",\"back-file\":\"/x\",\"sizelimit\":0,\"offset\":0,\"autoclear\":\"yes\",\"ro\":false}]}", "$.loopdevices[0].autoclear", "expected true or false")]
    [InlineData("{\"loopdevices\":[{\"name\":\"/dev/loop0\",\"back-file\":\"/x\",\"offset\":0,\"autoclear\":false,\"ro\":false}]}", "$.loopdevices[0].sizelimit", "is missing")]
    [InlineData("{\"devices\":[]}", "$.loopdevices", "is missing")]
    public void MalformedOutput_NamesThePath(string json, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => LosetupParser.Parse(json));

        Assert.Equal(("losetup -J", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
