using System.Globalization;
using System.Runtime.InteropServices;

namespace Runbooks.Benchmarks;

/// <summary>
/// CPU time around one measured run: what the measured process tree used (getrusage RUSAGE_CHILDREN,
/// which counts every descendant once it was waited for, the kernel process included), what this
/// benchmark process used, and what the whole machine used (/proc/stat). The rest is other processes:
/// on a shared machine they inflate the wall times, so the benchmark reports them.
/// </summary>
internal static class CpuClock
{
    public readonly record struct Reading(double ChildrenMs, double SelfMs, double MachineBusyMs);

    public readonly record struct Usage(double TreeMs, double SelfMs, double OthersMs);

    public static Reading Read() => new(RusageMs(RusageChildren), RusageMs(RusageSelf), MachineBusyMs());

    public static Usage Since(Reading before)
    {
        var now = Read();
        var tree = now.ChildrenMs - before.ChildrenMs;
        var self = now.SelfMs - before.SelfMs;
        var machine = now.MachineBusyMs - before.MachineBusyMs;
        // /proc/stat counts in clock ticks (10 ms): small negative remainders are rounding.
        return new Usage(tree, self, Math.Max(0, machine - tree - self));
    }

    private const int RusageSelf = 0;
    private const int RusageChildren = -1;
    private const int ClockTicksName = 2; // _SC_CLK_TCK

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
        public long[] Rest;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRUsage(int who, out RUsage usage);

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private static readonly double s_msPerTick = 1000.0 / Math.Max(1, SysConf(ClockTicksName));

    private static double RusageMs(int who)
    {
        if (GetRUsage(who, out var usage) != 0)
            return double.NaN;
        static double Ms(TimeVal t) => (t.Seconds * 1_000_000 + t.Microseconds) / 1000.0;
        return Ms(usage.User) + Ms(usage.System);
    }

    // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal guest guest_nice".
    private static double MachineBusyMs()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum(); // guest time is already part of user
        var idle = fields[3] + fields[4];
        return (total - idle) * s_msPerTick;
    }
}
