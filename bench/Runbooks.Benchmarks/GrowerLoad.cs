using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Runbooks.Hosts;

namespace Runbooks.Benchmarks;

/// <summary>One line of the writer's log, taken after a chunk reached the volume. Times are the guest's clock.</summary>
internal sealed record WriterPoint(double Time, long Used, long Size, long Available, long Written)
{
    /// <summary>As df's Use% (before rounding) and the grower compute it: what non-root writers can still use counts.</summary>
    public double UsedPercent => Used + Available > 0 ? Used * 100.0 / (Used + Available) : 0;
}

/// <summary>A write or fdatasync that failed with ENOSPC, and what statvfs said was available right then.</summary>
internal sealed record EnospcFailure(double Time, long Available);

/// <summary>What the writer did, as it reported it.</summary>
internal sealed record WriterRun(
    double Start, double End, long Written, bool TimedOut, double StalledSeconds,
    ImmutableArray<EnospcFailure> Failures, ImmutableArray<WriterPoint> Points)
{
    public double Seconds => End - Start;

    public double AchievedBytesPerSecond => Seconds > 0 ? Written / Seconds : double.NaN;

    /// <summary>The least free space it saw, counting the moments a write failed (the log's points come after a success).</summary>
    public long LeastAvailable => Points.Select(p => p.Available).Concat(Failures.Select(f => f.Available)).DefaultIfEmpty(0).Min();

    public static WriterRun Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        double Number(JsonElement row, int i) => row[i].GetDouble();
        long Bytes(JsonElement row, int i) => (long)row[i].GetDouble();
        return new WriterRun(
            root.GetProperty("start").GetDouble(), root.GetProperty("end").GetDouble(), root.GetProperty("written").GetInt64(),
            root.GetProperty("timedOut").GetBoolean(), root.GetProperty("stalledSeconds").GetDouble(),
            [.. root.GetProperty("failures").EnumerateArray().Select(r => new EnospcFailure(Number(r, 0), Bytes(r, 1)))],
            [.. root.GetProperty("points").EnumerateArray().Select(r => new WriterPoint(Number(r, 0), Bytes(r, 1), Bytes(r, 2), Bytes(r, 3), Bytes(r, 4)))]);
    }
}

/// <summary>
/// The load: a python3 script sent on the command's standard input (the guest has python3 and nothing to copy it
/// with but ssh). It writes zero-filled files in chunks, each followed by fdatasync so the data has really reached
/// the volume (not only the page cache) before it counts, paced to the rate by sleeping to a schedule. A chunk that
/// fails with ENOSPC is counted and tried again 0.1 s later, so the same total is always written and the two
/// contenders face the same load; only the time limit stops it early.
/// </summary>
internal static class GrowerLoad
{
    public const long ChunkBytes = 8L << 20;

    public const long FileBytes = 100L << 20;

    private const string Script = """
        import errno, json, os, sys, time

        directory, total, rate, chunk, file_size, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
        zeros = memoryview(bytes(chunk))
        failures, points = [], []
        stalled = 0.0

        def usage():
            s = os.statvfs(directory)
            return [(s.f_blocks - s.f_bfree) * s.f_frsize, s.f_blocks * s.f_frsize, s.f_bavail * s.f_frsize]

        def with_retries(action):
            # ENOSPC is counted and the action tried again: the volume may have grown meanwhile. False: out of time.
            global stalled
            first = None
            while True:
                try:
                    action()
                    if first is not None:
                        stalled += time.time() - first
                    return True
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    now = time.time()
                    failures.append([now, usage()[2]])
                    first = first or now
                    if now - start > limit:
                        stalled += now - first
                        return False
                    time.sleep(0.1)

        def write_chunk(fd, offset, size):
            done = [0]
            def attempt():
                while done[0] < size:
                    done[0] += os.pwrite(fd, zeros[done[0]:size], offset + done[0])
                try:
                    os.fdatasync(fd)
                except OSError:
                    done[0] = 0  # what writeback failed to store is written again
                    raise
            return with_retries(attempt)

        start = time.time()
        points.append([start] + usage() + [0])
        written, number, timed_out = 0, 0, False
        while written < total and not timed_out:
            path = os.path.join(directory, "load-%04d" % number)
            number += 1
            opened = []
            if not with_retries(lambda: opened.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))):
                timed_out = True
                break
            fd = opened[0]
            try:
                offset = 0
                while offset < file_size and written < total:
                    size = min(chunk, file_size - offset, total - written)
                    pause = start + written / rate - time.time()
                    if pause > 0:
                        time.sleep(pause)
                    if time.time() - start > limit or not write_chunk(fd, offset, size):
                        timed_out = True
                        break
                    offset += size
                    written += size
                    points.append([time.time()] + usage() + [written])
            finally:
                os.close(fd)
        print(json.dumps({"start": start, "end": time.time(), "written": written, "timedOut": timed_out,
                          "stalledSeconds": stalled, "failures": failures, "points": points}))
        """;

    /// <summary>The user the writer runs as: nobody, as an application would run. Root could also fill ext4's 5 %
    /// reserve, which df's Avail and both contenders' 80 % leave out, and would meet ENOSPC later than a real writer.</summary>
    public const int WriterUid = 65534;

    /// <summary>Writes <paramref name="bytes"/> into <paramref name="directory"/> (which <see cref="WriterUid"/> may
    /// write to) at <paramref name="bytesPerSecond"/>, for at most <paramref name="limit"/>.</summary>
    public static HostCommand Command(string directory, long bytes, double bytesPerSecond, TimeSpan limit) =>
        HostCommand.Shell(string.Create(CultureInfo.InvariantCulture,
                $"setpriv --reuid={WriterUid} --regid={WriterUid} --clear-groups python3 - {ShellQuote.Quote(directory)} {bytes} {bytesPerSecond:0} {ChunkBytes} {FileBytes} {limit.TotalSeconds:0}"))
            .WithStandardInput(Script)
            // The script stops itself at the limit; these only catch a writer stuck in the kernel.
            .WithRemoteTimeout(limit + TimeSpan.FromSeconds(60))
            .WithTimeout(limit + TimeSpan.FromSeconds(90))
            .WithDescription($"write {bytes >> 20} MiB into {directory} at {bytesPerSecond / 1e6:0.#} MB/s");
}

/// <summary>A grow as the contender recorded it, on the guest's clock.</summary>
internal sealed record Grow(double Start, double Seconds, long? Bytes, bool Succeeded)
{
    public double End => Start + Seconds;
}

/// <summary>
/// A grow set against the writer's log. <see cref="DetectionSeconds"/>: from the first logged point at or past the
/// threshold (of the size at that moment) after the previous grow ended, to this grow's start; null when the grow
/// started before any such point (ahead of the crossing: time-to-full saw it coming).
/// </summary>
internal sealed record GrowFigures(double Start, double Seconds, long? Bytes, bool Succeeded, double UsedPercentAtStart, double? CrossedAt, double? DetectionSeconds)
{
    public bool AheadOfCrossing => DetectionSeconds is null;

    /// <summary>Each grow against the writer's points; also the first crossing no grow answered, if any.</summary>
    public static (ImmutableArray<GrowFigures> Grows, double? UnansweredCrossing) Analyse(IEnumerable<Grow> grows, WriterRun writer, double threshold)
    {
        var points = writer.Points.OrderBy(p => p.Time).ToList();
        WriterPoint? Crossing(double after) => points.FirstOrDefault(p => p.Time > after && p.UsedPercent >= threshold);

        var figures = ImmutableArray.CreateBuilder<GrowFigures>();
        var previousEnd = double.NegativeInfinity;
        foreach (var grow in grows.OrderBy(g => g.Start))
        {
            var crossing = Crossing(previousEnd);
            var answered = crossing is not null && crossing.Time <= grow.Start ? crossing : null;
            var atStart = points.LastOrDefault(p => p.Time <= grow.Start) ?? points.FirstOrDefault();
            figures.Add(new GrowFigures(grow.Start, grow.Seconds, grow.Bytes, grow.Succeeded, atStart?.UsedPercent ?? double.NaN,
                answered?.Time, answered is null ? null : grow.Start - answered.Time));
            previousEnd = Math.Max(previousEnd, grow.End);
        }
        return (figures.ToImmutable(), Crossing(previousEnd)?.Time);
    }
}
