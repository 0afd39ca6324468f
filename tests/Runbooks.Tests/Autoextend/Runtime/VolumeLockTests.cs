using Runbooks.Autoextend.Runtime;

namespace Runbooks.Tests.Autoextend.Runtime;

public class VolumeLockTests
{
    [Fact]
    public void A_second_grower_of_the_same_volume_is_refused_naming_the_lock_and_the_first_can_be_followed()
    {
        using var folder = new TempFolder();
        var path = VolumeLock.PathFor(folder.Path, "local", "vg0/data0");

        using (var first = VolumeLock.Acquire(path))
        {
            var second = Assert.Throws<InvalidOperationException>(() => VolumeLock.Acquire(path));
            Assert.Contains(path, second.Message, StringComparison.Ordinal);
            Assert.Contains("one grower per volume", second.Message, StringComparison.Ordinal);
            // Another volume is another lock.
            using var other = VolumeLock.Acquire(VolumeLock.PathFor(folder.Path, "local", "vg0/logs"));
        }
        using var next = VolumeLock.Acquire(path);
        Assert.Equal(path, next.Path);
    }

    [Fact]
    public void The_lock_names_the_place_and_the_volume()
    {
        Assert.Equal("/run/lock/runbook-autoextend-127.0.0.1-vg0-data0.lock", VolumeLock.PathFor("/run/lock", "127.0.0.1", "vg0/data0"));
    }
}
