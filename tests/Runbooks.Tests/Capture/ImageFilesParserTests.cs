using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class ImageFilesParserTests
{
    [Fact]
    public void Images_ApparentAndAllocatedSize()
    {
        var images = ImageFilesParser.Parse(StorageFixtures.Read("images.txt")).ToDictionary(i => i.Path);

        // fallocate 1800M: allocated (plus a block of extent tree); truncate 64M: sparse but for LVM's label.
        Assert.Equal((1887436800L, 1887440896L), (images["/tmp/rbsto/img/disk0.img"].Size, images["/tmp/rbsto/img/disk0.img"].AllocatedBytes));
        Assert.Equal((67108864L, 8192L), (images["/tmp/rbsto/img/spare.img"].Size, images["/tmp/rbsto/img/spare.img"].AllocatedBytes));
        Assert.Equal(5, images.Count);
    }

    [Theory]
    [InlineData("1887436800 3686408 /media/disk0.img\n", "is not \"SIZE BLOCKS BLOCK-SIZE PATH\"")]
    [InlineData("1887436800 3686408 ? /media/disk0.img\n", "block size \"?\" is not a whole number")]
    public void AMalformedLine_IsRefused(string text, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => ImageFilesParser.Parse(text));

        Assert.Equal(("stat -c '%s %b %B %n'", "line 1"), (error.Format, error.Location));
        Assert.Contains(problem, error.Message);
    }
}
