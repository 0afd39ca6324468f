using Runbooks.Capture;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Tests.Capture;

/// <summary><c>lvmconfig --typeconfig diff</c> as LVM 2.03.16 printed it (data/captures/storage/lvmconfig).</summary>
public class LvmConfigParserTests
{
    [Fact]
    public void Debian_s_own_configuration_differs_in_nothing()
    {
        Assert.Empty(LvmConfigParser.Parse(StorageFixtures.Read("lvmconfig/defaults.txt")));
    }

    [Fact]
    public void Settings_are_named_by_section_and_lists_read_as_their_strings()
    {
        var settings = LvmConfigParser.Parse(StorageFixtures.Read("lvmconfig/filter-and-volume-list.txt"));

        Assert.Equal(["activation/volume_list", "devices/global_filter"], settings.Select(s => s.Path).ToArray());
        var filter = settings.Single(s => s.Path == "devices/global_filter");
        Assert.Equal("global_filter", filter.Name);
        Assert.Equal(["r|^/dev/loop[0-9]|", "a|.*|"], filter.Strings().ToArray());
        // A list of one entry is printed as a plain string.
        Assert.Equal(["vg-other"], settings.Single(s => s.Name == "volume_list").Strings().ToArray());
    }

    [Fact]
    public void Nested_sections_and_escaped_quotes_are_kept()
    {
        var settings = LvmConfigParser.Parse("devices {\n\tscan=[\"/dev\"]\n}\ntags {\n\tweb {\n\t\thost_list=[\"a\\\"b\"]\n\t}\n}\n");

        Assert.Equal("tags/web/host_list", settings[1].Path);
        Assert.Equal(["a\"b"], settings[1].Strings().ToArray());
    }

    [Theory]
    [InlineData("devices {\n\tfilter=[\"r|.*|\"]\n", "is not closed")]
    [InlineData("}\n", "closes no section")]
    [InlineData("devices {\n\tjunk\n}\n", "expected name=value")]
    public void Output_that_is_not_lvmconfig_s_is_refused_naming_the_line(string text, string message)
    {
        var error = Assert.Throws<CaptureFormatException>(() => LvmConfigParser.Parse(text));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}

/// <summary>How LVM decides which devices it reads: the first pattern that matches, else accepted.</summary>
public class LvmDeviceFilterTests
{
    private static LvmDeviceFilter Filter(params string[] patterns) => new("devices/global_filter", [.. patterns]);

    [Theory]
    [InlineData("/dev/loop0", false, "r|^/dev/loop[0-9]|")]
    [InlineData("/dev/sda", true, "a|.*|")]
    public void The_first_matching_pattern_decides(string path, bool accepted, string by)
    {
        Assert.Equal((accepted, by), Filter("r|^/dev/loop[0-9]|", "a|.*|").Decide(path));
    }

    [Fact]
    public void A_path_no_pattern_matches_is_accepted_and_any_delimiter_works()
    {
        Assert.Equal((true, (string?)null), Filter("r#^/dev/sd#").Decide("/dev/loop3"));
        Assert.False(Filter("r#^/dev/loop#", "a|.*|").Decide("/dev/loop3").Accepted);
    }

    [Fact]
    public void A_pattern_lvm_could_not_compile_decides_nothing()
    {
        Assert.Equal((true, (string?)null), Filter("r|[unclosed|").Decide("/dev/loop0"));
    }
}
