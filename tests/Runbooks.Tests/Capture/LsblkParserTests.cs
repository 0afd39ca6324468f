using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class LsblkParserTests
{
    [Fact]
    public void Devices_SizeInBytes_MountPointsAndReadOnly()
    {
        var devices = LsblkParser.Parse(StorageFixtures.Read("lsblk.json")).ToDictionary(d => d.KernelName);

        Assert.Equal(6, devices.Count);
        Assert.Equal(("loop", 1887436800L, false), (devices["loop0"].Type, devices["loop0"].Size, devices["loop0"].ReadOnly));
        // A device mounted nowhere has "mountpoints": [null].
        Assert.Empty(devices["loop0"].MountPoints);
        Assert.Equal((67108864L, true, "/tmp/rbsto/mnt/data"), (devices["loop4"].Size, devices["loop4"].ReadOnly, Assert.Single(devices["loop4"].MountPoints)));
        // No udev on this machine: lsblk knows no filesystem types, not even of the mounted ext4.
        Assert.All(devices.Values, d => Assert.Null(d.FsType));
        Assert.All(devices.Values, d => Assert.Empty(d.Parents));
    }

    [Theory]
    [InlineData("{\"blockdevices\":[{\"name\":\"sda\",\"kname\":\"sda\",\"type\":\"disk\",\"size\":\"1G\",\"fstype\":null,\"mountpoints\":[null],\"ro\":false,\"pkname\":null}]}", "$.blockdevices[0].size", "expected a whole number")]
    [InlineData("{\"blockdevices\":[{\"name\":\"sda\",\"kname\":\"sda\",\"type\":\"disk\",\"size\":1,\"fstype\":null,\"mountpoints\":[null],\"ro\":false}]}", "$.blockdevices[0].pkname", "is missing")]
    [InlineData("{\"blockdevices\":[{\"name\":\"sda\",\"kname\":\"sda\",\"type\":\"disk\",\"size\":1,\"fstype\":null,\"mountpoints\":[null],\"ro\":false,\"pkname\":null,\"children\":{}}]}", "$.blockdevices[0].children", "expected an array")]
    public void MalformedOutput_NamesThePath(string json, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => LsblkParser.Parse(json));

        Assert.Equal(("lsblk -J -b", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
