using Runbooks.Storage;
using Runbooks.Storage.Snapshot;
using Runbooks.Tests.Capture;

namespace Runbooks.Tests.Storage;

/// <summary>"Did check mode change anything?", over the repaired twin as captured (data/captures/storage/twin-fixed).</summary>
public class StorageFingerprintTests
{
    private static readonly StorageSnapshot s_fixed = StorageFixtures.Snapshot("twin-fixed/storage.txt");

    [Fact]
    public void A_change_on_the_machine_is_named_as_one()
    {
        var lv = s_fixed.LogicalVolumes[0];
        var changed = s_fixed with { LogicalVolumes = s_fixed.LogicalVolumes.Replace(lv, lv with { Size = lv.Size + (4L << 20) }) };

        Assert.StartsWith("check mode changed the machine's state: ", StorageFingerprint.Explain(s_fixed, changed), StringComparison.Ordinal);
    }

    [Fact]
    public void A_capture_the_host_stopped_part_way_is_not_blamed_on_check_mode()
    {
        // What a loaded CI host gave: the capture after check mode stopped at 30 s, its later sections missing.
        var partial = s_fixed with
        {
            Mounts = [], Fstab = [],
            Problems = [new("capture", "storage capture script", 124, "The capture did not finish: the host stopped it after 30 s (remote timeout).")],
        };

        Assert.NotEqual(StorageFingerprint.Of(s_fixed), StorageFingerprint.Of(partial));
        var why = StorageFingerprint.Explain(s_fixed, partial);
        Assert.StartsWith("cannot tell whether check mode changed the machine", why, StringComparison.Ordinal);
        Assert.Contains("after 30 s (remote timeout)", why, StringComparison.Ordinal);
    }
}
