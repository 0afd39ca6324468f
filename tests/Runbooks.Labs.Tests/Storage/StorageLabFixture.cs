using Runbooks.Labs.Storage;

namespace Runbooks.Labs.Tests.Storage;

/// <summary>
/// Every test of the real storage guest: they share one qemu, two loopback ports and one state folder, so they run
/// one at a time, apart from the network twin's collection (which they do not touch).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StorageLabCollection : ICollectionFixture<StorageLabFixture>
{
    public const string Name = "storage lab twin";
}

/// <summary>
/// Boots the guest once (a boot costs ~10 s under emulation) and hands it to every test, booting again only when a
/// test took it down; takes it down after the last test, failing the run if anything of it is left.
/// </summary>
public sealed class StorageLabFixture : IAsyncLifetime
{
    /// <summary>Short, so the remounter (S1) can be seen at work within a test; the real machine waits ~48 s.</summary>
    public static readonly TimeSpan RemountDelay = TimeSpan.FromSeconds(20);

    private StorageLabState? _booted;

    public StorageLab Lab { get; } = new();

    /// <summary>A booted guest with every planted fault in place (tests that change it restore what they changed).</summary>
    public async Task<StorageLabState> UpAsync()
    {
        if (_booted is null || StorageLab.ReadState()?.BuiltAt != _booted.BuiltAt || !StorageLab.IsQemu(_booted.QemuPid))
            _booted = await Lab.UpAsync(RemountDelay);
        return _booted;
    }

    /// <summary>The test changed the guest: the next <see cref="UpAsync"/> boots a pristine one.</summary>
    public void Changed() => _booted = null;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Lab.DownAsync();
        var left = StorageLabLeftovers.Find();
        if (left.Count > 0)
            throw new InvalidOperationException("the storage lab tests left something behind: " + string.Join("; ", left));
    }
}

/// <summary>Anything of the storage lab on this machine: a qemu carrying its marker, its state folder, its overlay.</summary>
internal static class StorageLabLeftovers
{
    public static IReadOnlyList<string> Find()
    {
        var left = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText($"{dir}/cmdline");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (commandLine.Split('\0').Contains("runbook-lab-vm:storage") && StorageLab.IsQemu(int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture)))
                left.Add($"qemu process {Path.GetFileName(dir)}");
        }
        if (Directory.Exists(StorageLab.StateFolder))
            left.Add($"state folder {StorageLab.StateFolder}");
        var overlay = Path.Combine(StorageLab.CacheFolder(), "run", "overlay.qcow2");
        if (File.Exists(overlay))
            left.Add($"overlay {overlay}");
        return left;
    }

    public static void AssertNone()
    {
        var left = Find();
        Assert.True(left.Count == 0, "left behind: " + string.Join("; ", left));
    }
}
