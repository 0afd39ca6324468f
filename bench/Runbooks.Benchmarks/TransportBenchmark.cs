using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Runbooks.Hosts;
using Runbooks.Labs.Ssh;

namespace Runbooks.Benchmarks;

/// <summary>
/// The two SSH transports side by side, against one loopback sshd started for the run: a new connection (login
/// included), a command over an open connection, and a 50 MiB upload. The measurements alternate between the
/// transports, so a busy moment on the machine falls on both; the ratios are OpenSSH's figure over SSH.NET's.
/// </summary>
internal sealed class TransportBenchmark(int connects, int commands, int uploads, int uploadMiB, string jsonPath, TextWriter output)
{
    private static readonly SshTransport[] s_transports = [SshTransport.OpenSsh, SshTransport.SshNet];

    public async Task<int> RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("runbook-bench-ssh-").FullName;
        try
        {
            await using var sshd = await LoopbackSshd.StartAsync(folder);
            var knownHosts = Path.Combine(folder, "known_hosts");
            await File.WriteAllTextAsync(knownHosts, sshd.KnownHostsLine(sshd.HostPublicKey));
            var target = sshd.Target(knownHosts);
            var payload = Path.Combine(folder, "payload.bin");
            WriteRandom(payload, uploadMiB << 20);

            var connect = s_transports.ToDictionary(t => t, _ => new List<double>());
            var command = s_transports.ToDictionary(t => t, _ => new List<double>());
            var upload = s_transports.ToDictionary(t => t, _ => new List<double>());
            for (var i = 0; i < connects + 1; i++)
            {
                foreach (var transport in s_transports)
                {
                    await using var host = SshHosts.Open(target with { Transport = transport });
                    var time = await TimeAsync(() => host.ConnectAsync());
                    if (i > 0) // the first of each warms the page cache and the JIT
                        connect[transport].Add(time);
                }
            }

            var open = s_transports.ToDictionary(t => t, t => SshHosts.Open(target with { Transport = t }));
            try
            {
                foreach (var host in open.Values)
                    await host.RunAsync(HostCommand.Exec("true"));
                for (var i = 0; i < commands; i++)
                    foreach (var (transport, host) in open)
                        command[transport].Add(await TimeAsync(() => host.RunAsync(HostCommand.Exec("true"))));
                for (var i = 0; i < uploads; i++)
                {
                    foreach (var (transport, host) in open)
                    {
                        var remote = Path.Combine(folder, $"uploaded-{transport}");
                        upload[transport].Add(await TimeAsync(() => host.UploadAsync(payload, remote)));
                        if (new FileInfo(remote).Length != new FileInfo(payload).Length)
                            throw new InvalidOperationException($"{transport} uploaded {new FileInfo(remote).Length} bytes of {new FileInfo(payload).Length}");
                        File.Delete(remote);
                    }
                }
            }
            finally
            {
                foreach (var host in open.Values)
                    await host.DisposeAsync();
            }
            Write(connect, command, upload);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private void Write(Dictionary<SshTransport, List<double>> connect, Dictionary<SshTransport, List<double>> command, Dictionary<SshTransport, List<double>> upload)
    {
        output.WriteLine($"transport benchmark (loopback sshd; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, which inflates every figure)");
        output.WriteLine($"  {"",-34} {"OpenSSH",22}  {"SSH.NET",22}  OpenSSH / SSH.NET");
        Line("connect (login included)", connect, "ms");
        Line("command `true`, connection open", command, "ms");
        Line($"upload {uploadMiB} MiB (SFTP)", upload, "ms");
        var rates = s_transports.ToDictionary(t => t, t => uploadMiB / (Summary.Of(upload[t]).Median / 1000));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"upload throughput",-34} {rates[SshTransport.OpenSsh],14:0.0} MiB/s  {rates[SshTransport.SshNet],16:0.0} MiB/s"));
        var p90 = s_transports.ToDictionary(t => t, t => Percentile(command[t], 0.9));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"command p90",-34} {p90[SshTransport.OpenSsh],19:0.00} ms  {p90[SshTransport.SshNet],19:0.00} ms  {p90[SshTransport.OpenSsh] / p90[SshTransport.SshNet],6:0.00}x"));

        Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(s_transports.ToDictionary(t => t.ToString(), t => new
        {
            connectMs = Summary.Of(connect[t]),
            commandMs = Summary.Of(command[t]),
            commandP90Ms = p90[t],
            uploadMs = Summary.Of(upload[t]),
            uploadMiBPerSecond = rates[t],
            uploadMiB,
        }), new JsonSerializerOptions { WriteIndented = true }));
        output.WriteLine($"  figures: {jsonPath}");

        void Line(string what, Dictionary<SshTransport, List<double>> figures, string unit)
        {
            var openSsh = Summary.Of(figures[SshTransport.OpenSsh]);
            var sshNet = Summary.Of(figures[SshTransport.SshNet]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {what,-34} {openSsh.Median,9:0.00} {unit} (n={openSsh.Count,3})  {sshNet.Median,9:0.00} {unit} (n={sshNet.Count,3})  {openSsh.Median / sshNet.Median,6:0.00}x"));
        }
    }

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
    }

    private static void WriteRandom(string path, int bytes)
    {
        var buffer = new byte[1 << 20];
        using var file = File.Create(path);
        for (var written = 0; written < bytes; written += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            file.Write(buffer, 0, Math.Min(buffer.Length, bytes - written));
        }
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        return stopwatch.Elapsed.TotalMilliseconds;
    }
}
