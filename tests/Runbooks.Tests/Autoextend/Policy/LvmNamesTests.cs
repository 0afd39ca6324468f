using Runbooks.Autoextend.Policy;

namespace Runbooks.Tests.Autoextend.Policy;

public class LvmNamesTests
{
    [Theory]
    [InlineData("vg0/data0")]
    [InlineData("VG_Data.1/lv+x-y")]
    [InlineData("vg0/lv-")]
    public void Accepts_lvm_names(string volume) => Assert.Null(LvmNames.VolumeProblem(volume));

    [Theory]
    [InlineData("vg0", "is not VG/LV")]
    [InlineData("vg0/data0/x", "is not VG/LV")]
    [InlineData("/vg0", "has an empty VG name")]
    [InlineData("vg0/", "has an empty LV name")]
    [InlineData("/data0", "has an empty VG name")]
    [InlineData("vg0/data 0", "has the LV name \"data 0\" with ' ' in it; LVM names use only a-z A-Z 0-9 + _ . -")]
    [InlineData("vg:0/data0", "has the VG name \"vg:0\" with ':' in it")]
    [InlineData("-vg/data0", "starts with '-'")]
    [InlineData("vg0/-data0", "starts with '-'")]
    [InlineData("../data0", "has the VG name \"..\", which LVM does not allow")]
    [InlineData("vg0/.", "has the LV name \".\", which LVM does not allow")]
    [InlineData("vg0/snapshot", "which LVM reserves")]
    [InlineData("vg0/pvmove", "which LVM reserves")]
    [InlineData("vg0/data_rimage_0", "contains \"_rimage\"")]
    [InlineData("vg0/my_tmeta", "contains \"_tmeta\"")]
    public void Explains_what_lvm_would_refuse(string volume, string expected) =>
        Assert.Contains(expected, LvmNames.VolumeProblem(volume));

    [Fact]
    public void Refuses_names_longer_than_lvm_allows()
    {
        Assert.Null(LvmNames.VolumeGroupProblem(new string('v', 127)));
        Assert.Contains("LVM allows at most 127", LvmNames.VolumeGroupProblem(new string('v', 128)));
    }

    [Fact]
    public void Suggests_vg_lv_for_a_device_path()
    {
        Assert.Equal("is a device path; expected VG/LV as LVM names it, e.g. \"vg0/data0\"; did you mean \"vg0/data0\"?",
            LvmNames.VolumeProblem("/dev/vg0/data0"));
        Assert.DoesNotContain("did you mean", LvmNames.VolumeProblem("/dev/mapper/vg0-data0"));
    }
}
