using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class FstabParserTests
{
    [Fact]
    public void Entries_KeepTheirLineNumbersAndText()
    {
        var entries = FstabParser.Parse(StorageFixtures.Read("fstab.txt"));

        Assert.Equal([4, 5, 6, 7, 8], entries.Select(e => e.Line));
        var data = entries.Single(e => e.MountPoint == "/data");
        Assert.Equal(("/dev/vg0/data0", "ext4", 0, 2, true), (data.Spec, data.FsType, data.Dump, data.Pass, data.ReadOnly));
        Assert.Equal(["defaults", "ro"], data.Options.ToArray());
        Assert.Equal("/dev/vg0/data0  /data   ext4    defaults,ro     0       2", data.Text);
        // Tabs separate fields as well as spaces.
        Assert.Equal(("UUID=0a1b2c3d-0000-4000-8000-000000000001", "/", 1), (entries[0].Spec, entries[0].MountPoint, entries[0].Pass));
    }

    [Fact]
    public void OctalEscapes_AreDecoded_AndMissingFieldsTakeMountsDefaults()
    {
        var entries = FstabParser.Parse(StorageFixtures.Read("fstab.txt"));

        var spare = entries.Single(e => e.MountPoint == "/media/spare");
        Assert.Equal(("/media/disk 3.img", 0, 0), (spare.Spec, spare.Dump, spare.Pass));
        Assert.Equal(["noauto"], spare.Options.ToArray());
        Assert.Equal(["defaults"], entries.Single(e => e.MountPoint == "/tmp").Options.ToArray());
    }

    [Theory]
    [InlineData("# comment\n/dev/sda1 /\n", "line 2", "2 field(s); expected at least 3")]
    [InlineData("/dev/sda1 /mnt/my disk ext4 defaults 0 2\n", "line 1", "7 fields; expected at most 6")]
    [InlineData("/dev/sda1 / ext4 defaults zero 1\n", "line 1", "dump \"zero\" is not a number")]
    public void MalformedLines_NameTheLine(string text, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => FstabParser.Parse(text));

        Assert.Equal(("/etc/fstab", location), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
