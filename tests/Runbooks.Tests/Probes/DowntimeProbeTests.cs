using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Runbooks.Probes;

namespace Runbooks.Tests.Probes;

/// <summary>The probe against a real HTTP server (Debian's python3 http.server on loopback), stopped and started under it.</summary>
public sealed class DowntimeProbeTests : IDisposable
{
    private readonly TempFolder _root = new();
    private readonly int _port = FreePort();
    private Process? _server;

    public DowntimeProbeTests() => _root.File("objects/a.bin", "object a");

    public void Dispose()
    {
        StopServer();
        _root.Dispose();
    }

    private Uri Base => new($"http://127.0.0.1:{_port}/");

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task A_healthy_service_shows_no_failures_and_gaps_near_the_interval()
    {
        await StartServerAsync();
        var probe = DowntimeProbe.Start(Base, [new ProbeObject("objects/a.bin", Sha("object a"))], TimeSpan.FromMilliseconds(50));
        await Task.Delay(1000);
        var report = await probe.StopAsync();

        // Loose bounds: a loaded CI host stalls timers and python for a few hundred ms; an outage (below) is seconds.
        Assert.InRange(report.Requests, 5, 25);
        Assert.Equal(0, report.Failures);
        Assert.True(report.LongestGap < TimeSpan.FromMilliseconds(1000), report.ToString());
    }

    [Fact]
    public async Task An_outage_shows_as_failures_and_a_gap_at_least_as_long()
    {
        await StartServerAsync();
        var probe = DowntimeProbe.Start(Base, [new ProbeObject("objects/a.bin")], TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));
        await Task.Delay(400);
        StopServer();
        await Task.Delay(1200);
        await StartServerAsync();
        await Task.Delay(400);
        var report = await probe.StopAsync();

        Assert.True(report.Failures >= 5, report.ToString());
        Assert.True(report.LongestGap >= TimeSpan.FromMilliseconds(1000), report.ToString());
        Assert.NotEmpty(report.FirstFailures);
        Assert.All(report.FirstFailures, f => Assert.Equal("objects/a.bin", f.Path));
    }

    [Fact]
    public async Task Wrong_bytes_and_missing_objects_are_failures_that_say_so()
    {
        await StartServerAsync();
        var probe = DowntimeProbe.Start(Base, [new ProbeObject("objects/a.bin", Sha("something else")), new ProbeObject("objects/gone.bin")], TimeSpan.FromMilliseconds(50));
        await Task.Delay(300);
        var report = await probe.StopAsync();

        Assert.Equal(report.Requests, report.Failures);
        Assert.Contains(report.FirstFailures, f => f.What.StartsWith("wrong bytes: sha256 ", StringComparison.Ordinal));
        Assert.Contains(report.FirstFailures, f => f.What == "HTTP 404 File not found");
    }

    [Fact]
    public async Task A_slow_answer_is_slow_not_failed_and_no_answer_in_time_is_failed()
    {
        // A server that answers every request after 1.3 s: past the slow mark, inside a 3 s timeout, outside a 1 s one.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        _ = await stream.ReadAsync(new byte[4096]); // the request: its content does not matter
                        await Task.Delay(1300);
                        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
                    }
                });
            }
        });
        var slowBase = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

        var patient = DowntimeProbe.Start(slowBase, [new ProbeObject("x")], TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3));
        await Task.Delay(700);
        var slow = await patient.StopAsync();
        var impatient = DowntimeProbe.Start(slowBase, [new ProbeObject("x")], TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        await Task.Delay(500);
        var failed = await impatient.StopAsync();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);

        Assert.True(slow.Requests >= 2, slow.ToString());
        Assert.Equal((0, slow.Requests), (slow.Failures, slow.Slow));
        Assert.Contains("slow (answered after more than 1 s)", slow.ToString(), StringComparison.Ordinal);
        Assert.Equal((failed.Requests, 0), (failed.Failures, failed.Slow));
        Assert.All(failed.FirstFailures, f => Assert.Equal("no answer within 1 s", f.What));
    }

    [Fact]
    public void Nothing_to_fetch_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => DowntimeProbe.Start(Base, []));
        Assert.Contains("at least one object", e.Message, StringComparison.Ordinal);
    }

    private async Task StartServerAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-m", "http.server", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", _root.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(25))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
            }
        }
        throw new TimeoutException($"python3 http.server did not listen on {_port}");
    }

    private void StopServer()
    {
        if (_server is null)
            return;
        _server.Kill(entireProcessTree: true);
        _server.WaitForExit();
        _server.Dispose();
        _server = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
