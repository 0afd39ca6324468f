using System.Globalization;
using System.Runtime.InteropServices;
using Runbooks.Autoextend.Decisions;
using Runbooks.Hosts;

namespace Runbooks.Autoextend.Runtime;

/// <summary>Where the grower reads how full the filesystem is, once per sample.</summary>
public interface IUsageSource
{
    /// <summary>What is read, for messages ("statvfs /data", "stat -f /data on storage").</summary>
    string Description { get; }

    Task<UsageSample> SampleAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// statvfs(3) on the machine itself: no process is started, so sampling every second costs microseconds of CPU,
/// which is what lets the grower notice a crossing within a second and still sit idle.
/// </summary>
public sealed partial class StatvfsUsageSource(string mountPoint, TimeProvider? clock = null) : IUsageSource
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public string Description => $"statvfs {mountPoint}";

    public Task<UsageSample> SampleAsync(CancellationToken cancellationToken = default)
    {
        if (statvfs(mountPoint, out var s) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"statvfs {mountPoint} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); is {mountPoint} mounted?");
        }
        var unit = (long)s.FragmentSize;
        var sample = new UsageSample(
            _clock.GetUtcNow(),
            FilesystemSize: (long)s.Blocks * unit,
            FilesystemUsed: ((long)s.Blocks - (long)s.BlocksFree) * unit,
            FilesystemAvailable: (long)s.BlocksAvailable * unit,
            InodesTotal: (long)s.Files,
            InodesUsed: (long)s.Files - (long)s.FilesFree);
        return Task.FromResult(sample);
    }

    // glibc's struct statvfs on 64-bit Linux: eleven unsigned longs, then six ints of padding.
    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfs
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong FilesAvailable;
        public ulong FilesystemId;
        public ulong Flags;
        public ulong NameMax;
        private readonly int _spare0, _spare1, _spare2, _spare3, _spare4, _spare5;
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
#pragma warning disable SYSLIB1054 // A blittable out struct: DllImport needs no generated marshalling and no unsafe code.
    private static extern int statvfs(string path, out StatVfs buffer);
#pragma warning restore SYSLIB1054
}

/// <summary>`stat -f` over a host (ssh, or a local shell): for a grower that watches a machine from outside.</summary>
public sealed class HostUsageSource(IHost host, string mountPoint, TimeProvider? clock = null) : IUsageSource
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly HostCommand _command = HostCommand.Exec("stat", "-f", "-c", "%S %b %f %a %c %d", mountPoint)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .WithDescription($"stat -f {mountPoint}");

    public string Description => $"stat -f {mountPoint} on {host.Name}";

    public async Task<UsageSample> SampleAsync(CancellationToken cancellationToken = default)
    {
        var result = await host.RunAsync(_command, cancellationToken).ConfigureAwait(false);
        return Parse(result.StandardOutput, _clock.GetUtcNow(), Description);
    }

    /// <summary>"FRAGMENT_SIZE BLOCKS FREE AVAILABLE FILES FILES_FREE", as `stat -f -c '%S %b %f %a %c %d'` prints it.</summary>
    public static UsageSample Parse(string text, DateTimeOffset time, string what)
    {
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var numbers = new long[6];
        if (fields.Length != 6 || fields.Where((f, i) => !long.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])).Any())
            throw new FormatException($"{what} printed \"{text.Trim()}\", not six numbers (fragment size, blocks, free, available, files, files free)");
        var (unit, blocks, free, available, files, filesFree) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]);
        return new UsageSample(time, blocks * unit, (blocks - free) * unit, available * unit, files, files - filesFree);
    }
}
