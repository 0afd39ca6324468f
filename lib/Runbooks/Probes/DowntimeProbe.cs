using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Runbooks.Probes;

/// <summary>One object the probe fetches, and optionally the SHA-256 (hex) its bytes must have.</summary>
public sealed record ProbeObject(string Path, string? Sha256 = null);

/// <summary>One request that did not return the object: when, what was asked, and what happened instead.</summary>
public sealed record ProbeFailure(DateTimeOffset At, string Path, string What);

/// <summary>
/// What the service's users saw while the probe ran. <see cref="LongestGap"/> is the longest time without a
/// good answer (from the start to the first, between two, and from the last to the stop): the figure a
/// "zero downtime" claim is about, since a few failures in a row can hide in a success ratio.
/// </summary>
public sealed record DowntimeReport(
    DateTimeOffset Started,
    DateTimeOffset Stopped,
    int Requests,
    int Failures,
    int Slow,
    TimeSpan LongestGap,
    double MedianLatencyMs,
    double MaxLatencyMs,
    ImmutableArray<ProbeFailure> FirstFailures)
{
    public override string ToString() =>
        FormattableString.Invariant($"{Requests} requests over {(Stopped - Started).TotalSeconds:0.0} s: {Failures} failed, {Slow} slow (answered after more than {DowntimeProbe.SlowAfter.TotalSeconds:0} s); longest gap without a good answer {LongestGap.TotalMilliseconds:0} ms; latency median {MedianLatencyMs:0.0} ms, max {MaxLatencyMs:0.0} ms");
}

/// <summary>
/// Requests objects from an HTTP service at a fixed rate while a repair runs, and reports requests, failures
/// and the longest gap. Requests start on schedule even when earlier ones are slow (a stalled service must
/// show as failures, not as a probe that quietly slowed down), each bounded by its own timeout.
/// </summary>
public sealed class DowntimeProbe : IAsyncDisposable
{
    /// <summary>How many failures the report lists in full (the count covers all of them).</summary>
    public const int FailuresKept = 20;

    /// <summary>An answer slower than this is counted as slow: still an answer, so not downtime, but shown.</summary>
    public static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The default time a request may take before it counts as failed. Not 2 s: on a loaded CI host the emulated
    /// twin answered two of ~1000 requests in just over 2 s while the service kept answering others within
    /// 302 ms; that is latency, which the slow count and the max show, not an outage. A request with no answer
    /// in 5 s is one a user would have given up on.
    /// </summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _client;
    private readonly IReadOnlyList<ProbeObject> _objects;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<(DateTimeOffset At, bool Good, double LatencyMs)> _outcomes = [];
    private readonly ConcurrentQueue<ProbeFailure> _failures = new();
    private readonly List<Task> _requests = [];
    private readonly Task _loop;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private int _failureCount;

    private DowntimeProbe(Uri baseUri, IReadOnlyList<ProbeObject> objects, TimeSpan interval, TimeSpan requestTimeout)
    {
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(2), ConnectTimeout = requestTimeout })
        {
            BaseAddress = baseUri,
            Timeout = requestTimeout,
        };
        _objects = objects;
        _interval = interval;
        _loop = Task.Run(LoopAsync);
    }

    /// <param name="baseUri">The service, e.g. http://127.0.0.1:18000/.</param>
    /// <param name="objects">What to fetch, round robin; at least one.</param>
    /// <param name="interval">Time between request starts (default 100 ms: 10 requests a second).</param>
    /// <param name="requestTimeout">A request with no answer after this counts as failed (default <see cref="DefaultRequestTimeout"/>).</param>
    public static DowntimeProbe Start(Uri baseUri, IReadOnlyList<ProbeObject> objects, TimeSpan? interval = null, TimeSpan? requestTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (objects is null || objects.Count == 0)
            throw new ArgumentException("the probe needs at least one object to fetch (a path the service serves)", nameof(objects));
        var every = interval ?? TimeSpan.FromMilliseconds(100);
        if (every <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), every, "the interval between requests must be positive");
        return new DowntimeProbe(baseUri, objects, every, requestTimeout ?? DefaultRequestTimeout);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        var next = 0;
        do
        {
            var item = _objects[next++ % _objects.Count];
            lock (_requests)
                _requests.Add(RequestAsync(item));
        }
        while (await WaitAsync(timer).ConfigureAwait(false));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RequestAsync(ProbeObject item)
    {
        var at = DateTimeOffset.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        string? failure;
        try
        {
            using var response = await _client.GetAsync(item.Path.TrimStart('/'), HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            failure = !response.IsSuccessStatusCode ? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"
                : item.Sha256 is { } expected && !Convert.ToHexStringLower(SHA256.HashData(body)).Equals(expected, StringComparison.OrdinalIgnoreCase)
                    ? $"wrong bytes: sha256 {Convert.ToHexStringLower(SHA256.HashData(body))}, expected {expected.ToLowerInvariant()}"
                    : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            failure = e is TaskCanceledException ? $"no answer within {_client.Timeout.TotalSeconds:0.#} s" : e.Message;
        }
        _outcomes.Add((at, failure is null, stopwatch.Elapsed.TotalMilliseconds));
        if (failure is not null)
        {
            Interlocked.Increment(ref _failureCount);
            if (_failures.Count < FailuresKept)
                _failures.Enqueue(new ProbeFailure(at, item.Path, failure));
        }
    }

    /// <summary>Stops sending, waits for the requests in flight, and reports.</summary>
    public async Task<DowntimeReport> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Task[] pending;
        lock (_requests)
            pending = [.. _requests];
        await Task.WhenAll(pending).ConfigureAwait(false);
        var stopped = DateTimeOffset.UtcNow;

        var outcomes = _outcomes.OrderBy(o => o.At).ToList();
        var good = outcomes.Where(o => o.Good).Select(o => o.At).ToList();
        var gap = good.Count == 0 ? stopped - _started
            : new[] { good[0] - _started, stopped - good[^1] }.Concat(good.Zip(good.Skip(1), (a, b) => b - a)).Max();
        var latencies = outcomes.Select(o => o.LatencyMs).Order().ToList();
        var slow = outcomes.Count(o => o.Good && o.LatencyMs > SlowAfter.TotalMilliseconds);
        return new DowntimeReport(_started, stopped, outcomes.Count, _failureCount, slow, gap,
            latencies.Count == 0 ? 0 : latencies[latencies.Count / 2], latencies.Count == 0 ? 0 : latencies[^1],
            [.. _failures.OrderBy(f => f.At)]);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync().ConfigureAwait(false);
        _client.Dispose();
        _stop.Dispose();
    }
}
