using Runbooks.Capture;

namespace Runbooks.Tests.Capture;

public sealed class LvmReportParserTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Pvs_GiveExactBytes_AndTheAttrFlags()
    {
        var pvs = LvmReportParser.ParsePhysicalVolumes(StorageFixtures.Read("pvs.json")).ToDictionary(p => p.Name);

        Assert.Equal(4, pvs.Count);
        // The unallocatable PV (pvchange -x n): "u--".
        Assert.Equal(("u--", false, false, false), (pvs["/dev/loop0"].Attr, pvs["/dev/loop0"].Allocatable, pvs["/dev/loop0"].Exported, pvs["/dev/loop0"].Missing));
        Assert.True(pvs["/dev/loop1"].Allocatable);
        // pvcreate --dataalignment 1g: the first extent starts 1 GiB into the 1800 MiB device, leaving 776 MiB.
        Assert.Equal((1024 * MiB, 1800 * MiB, 776 * MiB, 194L, 14L), (pvs["/dev/loop1"].DataOffset, pvs["/dev/loop1"].DeviceSize, pvs["/dev/loop1"].Size, pvs["/dev/loop1"].ExtentCount, pvs["/dev/loop1"].AllocatedExtentCount));
        // pvcreate --setphysicalvolumesize 1020M on an 1800 MiB device: 254 extents of 4 MiB after the 1 MiB offset.
        Assert.Equal((1800 * MiB, 1016 * MiB, 0L), (pvs["/dev/loop2"].DeviceSize, pvs["/dev/loop2"].Size, pvs["/dev/loop2"].Free));
        Assert.Equal(["vg0", "vg0", "vg0"], pvs.Values.Where(p => p.Name != "/dev/loop3").Select(p => p.VolumeGroup));
        // A PV in no VG: vg_name "", attr "---" (not allocatable until it joins a VG), no extents; sparse 64 MiB.
        Assert.Equal((null, "---", false, 64 * MiB, 0L), (pvs["/dev/loop3"].VolumeGroup, pvs["/dev/loop3"].Attr, pvs["/dev/loop3"].Allocatable, pvs["/dev/loop3"].Size, pvs["/dev/loop3"].ExtentCount));
        Assert.All(pvs.Values, p => Assert.Empty(p.Segments));
    }

    [Fact]
    public void PvsWithoutTheExtraColumns_AreRefused_NamingTheMissingMember()
    {
        var error = Assert.Throws<CaptureFormatException>(() => LvmReportParser.ParsePhysicalVolumes(StorageFixtures.Read("pvs-default-columns.json")));

        Assert.Equal(("pvs --reportformat json", "$.report[0].pv[0].pe_start"), (error.Format, error.Location));
    }

    [Fact]
    public void PvSegments_SayWhichLvExtentsLieOnEachPv()
    {
        var segments = LvmReportParser.ParsePhysicalSegments(StorageFixtures.Read("pvs-segments.json"));

        Assert.Equal([(0L, 449L, "data0", 0L)], segments["/dev/loop0"].Select(s => (s.Start, s.Length, s.LogicalVolume!, s.LogicalStart!.Value)));
        Assert.Equal([(0L, 254L, "data0", (long?)449)], segments["/dev/loop2"].Select(s => (s.Start, s.Length, s.LogicalVolume!, s.LogicalStart)));
        Assert.Equal([(0L, 14L, "data0", (long?)703), (14L, 180L, null, null)], segments["/dev/loop1"].Select(s => (s.Start, s.Length, s.LogicalVolume, s.LogicalStart)));
        Assert.True(segments["/dev/loop1"][1].IsFree);
        // The orphan PV's row of size 0 is left out.
        Assert.False(segments.ContainsKey("/dev/loop3"));
    }

    [Fact]
    public void Vgs_SizesAndCounts()
    {
        var vg = Assert.Single(LvmReportParser.ParseVolumeGroups(StorageFixtures.Read("vgs.json")));

        Assert.Equal(("vg0", "wz--n-", 4 * MiB, 897L, 180L, 180 * 4 * MiB, 897 * 4 * MiB, 3, 1),
            (vg.Name, vg.Attr, vg.ExtentSize, vg.ExtentCount, vg.FreeExtentCount, vg.Free, vg.Size, vg.PhysicalVolumeCount, vg.LogicalVolumeCount));
    }

    [Fact]
    public void Lvs_OneVolumeWithItsSegmentsInLvOrder()
    {
        var lv = Assert.Single(LvmReportParser.ParseLogicalVolumes(StorageFixtures.Read("lvs-segments.json")));

        // lvcreate -L 2.8G rounds up to 717 extents of 4 MiB.
        Assert.Equal(("data0", "vg0", 717 * 4 * MiB), (lv.Name, lv.VolumeGroup, lv.Size));
        Assert.Equal([("linear", 0L, 449L), ("linear", 449L, 254L), ("linear", 703L, 14L)], lv.Segments.Select(s => (s.Type, s.Start, s.Length)));
        Assert.Equal([("/dev/loop0", 0L, 448L), ("/dev/loop2", 0L, 253L), ("/dev/loop1", 0L, 13L)], lv.Segments.Select(s => Assert.Single(s.Ranges)).Select(r => (r.Device, r.First, r.Last)));
        Assert.Equal(lv.Segments.Select(s => s.Length), lv.Segments.Select(s => s.Ranges[0].Length));
        // Without device-mapper LVM cannot tell whether it is active or open: "X".
        Assert.Equal(("-wi-XX----", false, false), (lv.Attr, lv.Active, lv.Open));
    }

    [Fact]
    public void FullReport_GivesWhatTheFourReportsGive()
    {
        var full = LvmReportParser.ParseFullReport(StorageFixtures.Read("lvm-fullreport.json"));
        var segments = LvmReportParser.ParsePhysicalSegments(StorageFixtures.Read("pvs-segments.json"));
        var pvs = LvmReportParser.ParsePhysicalVolumes(StorageFixtures.Read("pvs.json"), segments);
        var vg = Assert.Single(LvmReportParser.ParseVolumeGroups(StorageFixtures.Read("vgs.json")));
        var lv = Assert.Single(LvmReportParser.ParseLogicalVolumes(StorageFixtures.Read("lvs-segments.json")));

        // The PV in no VG comes last, in a report object of its own.
        Assert.Equal(pvs.Select(Flat), full.PhysicalVolumes.OrderBy(p => p.Name).Select(Flat));
        Assert.Equal("/dev/loop3", full.PhysicalVolumes[^1].Name);
        Assert.Equal(vg, Assert.Single(full.VolumeGroups));
        var fullLv = Assert.Single(full.LogicalVolumes);
        Assert.Equal((lv.Name, lv.VolumeGroup, lv.Attr, lv.Size), (fullLv.Name, fullLv.VolumeGroup, fullLv.Attr, fullLv.Size));
        Assert.Equal(lv.Segments.Select(s => (s.Type, s.Start, s.Length, string.Join(' ', s.Ranges))), fullLv.Segments.Select(s => (s.Type, s.Start, s.Length, string.Join(' ', s.Ranges))));
    }

    private static string Flat(Runbooks.Storage.Snapshot.PhysicalVolume pv) => $"{pv with { Segments = [] }} {string.Join(' ', pv.Segments)}";

    [Fact]
    public void EmptyOutput_IsNoVolumes()
    {
        Assert.Empty(LvmReportParser.ParsePhysicalVolumes(""));
        Assert.Empty(LvmReportParser.ParseLogicalVolumes("  {\n      \"report\": [\n          {\n              \"seg\": [\n              ]\n          }\n      ]\n  }\n"));
    }

    [Theory]
    [InlineData("{\"report\":[{\"pv\":[{\"pv_name\":\"/dev/sda\",\"vg_name\":\"\",\"pv_attr\":\"---\",\"pe_start\":\"1.00m\",\"dev_size\":\"1\",\"pv_size\":\"1\",\"pv_free\":\"1\",\"pv_pe_count\":\"0\",\"pv_pe_alloc_count\":\"0\"}]}]}",
        "$.report[0].pv[0].pe_start", "\"1.00m\" is not a whole number; expected exact bytes or counts (run with --units b --nosuffix)")]
    [InlineData("{\"report\":[{\"vg\":[]}]}", "$.report[0]", "no \"pv\" rows")]
    [InlineData("{\"report\":[{\"pv\":[{\"pv_name\":7}]}]}", "$.report[0].pv[0].pv_name", "expected a string, found the number 7")]
    [InlineData("{\"report\":[{\"pv\":[", "line 1, byte 19", "not valid JSON")]
    public void MalformedReports_NameThePathAndWhatWasExpected(string json, string location, string problem)
    {
        var error = Assert.Throws<CaptureFormatException>(() => LvmReportParser.ParsePhysicalVolumes(json));

        Assert.Equal(location, error.Location);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void AMalformedRange_IsRefused()
    {
        const string json = "{\"report\":[{\"seg\":[{\"lv_name\":\"d\",\"vg_name\":\"v\",\"lv_attr\":\"-wi-a-----\",\"lv_size\":\"4194304\",\"segtype\":\"linear\",\"seg_start_pe\":\"0\",\"seg_size_pe\":\"1\",\"seg_pe_ranges\":\"/dev/sda:5\"}]}]}";

        var error = Assert.Throws<CaptureFormatException>(() => LvmReportParser.ParseLogicalVolumes(json));

        Assert.Equal(("lvs --segments --reportformat json", "$.report[0].seg[0].seg_pe_ranges"), (error.Format, error.Location));
        Assert.Contains("\"/dev/sda:5\" is not DEVICE:FIRST-LAST", error.Message);
    }
}
