using System.Globalization;

namespace Runbooks.Benchmarks;

/// <summary>The peak resident memory of one process of a measured tree, as /proc last reported it.</summary>
internal sealed record ProcessPeak(int Pid, int Depth, string Name, long PeakRssKb);

/// <summary>
/// Polls /proc for a process and all its descendants (found through <c>/proc/PID/task/TID/children</c>)
/// on its own thread. Per process it keeps <c>VmHWM</c>, the kernel's own high-water mark of the resident
/// set, which is exact however coarse the polling (up to the last poll before the process exits); for
/// the tree it keeps the peak of the summed <c>VmRSS</c> of the processes alive at one poll, i.e. the
/// memory the whole tree held at once (exact only to the polling interval).
/// </summary>
internal sealed class ProcessTreeMonitor : IDisposable
{
    private readonly int _root;
    private readonly TimeSpan _interval;
    private readonly Thread _thread;
    private readonly Dictionary<int, ProcessPeak> _peaks = [];
    private volatile bool _stop;
    private long _peakTreeRssKb;
    private int _polls;

    public ProcessTreeMonitor(int root, TimeSpan interval)
    {
        _root = root;
        _interval = interval;
        _thread = new Thread(Loop) { IsBackground = true, Name = "proc-monitor" };
        _thread.Start();
    }

    /// <summary>Max over polls of the summed VmRSS of the root and its descendants, in KiB.</summary>
    public long PeakTreeRssKb => Interlocked.Read(ref _peakTreeRssKb);

    public int Polls => _polls;

    /// <summary>Every process seen, root first, then by depth and pid.</summary>
    public IReadOnlyList<ProcessPeak> Peaks
    {
        get
        {
            lock (_peaks)
                return [.. _peaks.Values.OrderBy(p => p.Depth).ThenBy(p => p.Pid)];
        }
    }

    private void Loop()
    {
        while (!_stop)
        {
            Poll();
            Thread.Sleep(_interval);
        }
    }

    private void Poll()
    {
        long sum = 0;
        var pending = new Queue<(int Pid, int Depth)>();
        pending.Enqueue((_root, 0));
        var seen = new HashSet<int>();
        while (pending.TryDequeue(out var item))
        {
            if (!seen.Add(item.Pid))
                continue;
            if (ReadStatus(item.Pid) is not { } status)
                continue;
            sum += status.RssKb;
            lock (_peaks)
            {
                var peak = _peaks.TryGetValue(item.Pid, out var known) ? Math.Max(known.PeakRssKb, status.HwmKb) : status.HwmKb;
                _peaks[item.Pid] = new ProcessPeak(item.Pid, item.Depth, status.Name, peak);
            }
            foreach (var child in Children(item.Pid))
                pending.Enqueue((child, item.Depth + 1));
        }
        if (sum > Interlocked.Read(ref _peakTreeRssKb))
            Interlocked.Exchange(ref _peakTreeRssKb, sum);
        Interlocked.Increment(ref _polls);
    }

    private sealed record Status(string Name, long RssKb, long HwmKb);

    private static Status? ReadStatus(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone between listing and reading
        }
        string name = "?";
        long rss = 0, hwm = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("Name:", StringComparison.Ordinal))
                name = line[5..].Trim();
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = Kilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                hwm = Kilobytes(line);
        }
        return new Status(name, rss, hwm); // a zombie has neither line: 0 KiB, its peak stays as last read
    }

    // "VmRSS:     123456 kB"
    private static long Kilobytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
    }

    // Any thread may fork (.NET starts processes from thread-pool threads), so every task's list counts.
    private static IEnumerable<int> Children(int pid)
    {
        var result = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var child))
                        result.Add(child);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return result;
    }

    /// <summary>Stops polling; the peaks seen so far are kept.</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
