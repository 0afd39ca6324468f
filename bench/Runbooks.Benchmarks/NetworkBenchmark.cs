using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Runbooks.Hosts;
using Runbooks.Labs.Network;
using Runbooks.Network;
using Runbooks.Network.Snapshot;

namespace Runbooks.Benchmarks;

/// <summary>
/// The network runbook's figures, on the real twin: the snapshot in one multiplexed round trip per host,
/// against the same capture done one fresh ssh connection per command (the baseline, measured in the same
/// run); and the whole repair from nothing: twin up, connect, diagnose, fix, verify with test-connection.sh.
/// </summary>
internal sealed class NetworkBenchmark(int runs, int snapshots, string jsonPath, TextWriter output)
{
    public async Task<int> RunAsync()
    {
        var lab = new NetworkLab();
        var ups = new List<double>();
        var downs = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            ups.Add(await TimeAsync(() => lab.UpAsync()));
            downs.Add(await TimeAsync(() => lab.DownAsync()));
        }

        var state = await lab.UpAsync();
        var targets = Targets(state);
        var batched = new Dictionary<string, List<double>> { ["server"] = [], ["client"] = [] };
        var perCommand = new Dictionary<string, List<double>> { ["server"] = [], ["client"] = [] };
        var bytes = new Dictionary<string, int>();
        var sections = NetworkCapture.CommandsPerSection();
        await using (var session = await TunnelSession.ConnectAsync(targets))
        {
            foreach (var (role, host) in new[] { ("server", session.Server), ("client", session.Client) })
            {
                bytes[role] = (await host.RunAsync(NetworkCapture.Command())).StandardOutput.Length;   // warm-up
                for (var i = 0; i < snapshots; i++)
                    batched[role].Add(await TimeAsync(() => NetworkCapture.CaptureAsync(host)));
            }
        }
        foreach (var (role, target) in new[] { ("server", targets.Server), ("client", targets.Client) })
        {
            for (var i = 0; i < runs; i++)
            {
                perCommand[role].Add(await TimeAsync(async () =>
                {
                    foreach (var section in sections)
                    {
                        // A fresh connection for every command: what a tool without multiplexing or batching pays.
                        await using var fresh = new SshHost(target with { ControlPersist = TimeSpan.FromSeconds(1) });
                        await fresh.RunAsync(section);
                    }
                }));
            }
        }

        var phases = new List<Dictionary<string, double>>();
        for (var i = 0; i < runs; i++)
            phases.Add(await RepairAsync(lab));
        await lab.DownAsync();

        Write(ups, downs, batched, perCommand, bytes, sections.Count, phases);
        return phases.All(p => p["verified"] == 1) ? 0 : 1;
    }

    private static NetworkTargets Targets(NetworkLabState state) =>
        NetworkTargets.Create(state.Server.Address6pn, state.Client.Address6pn, identityFile: state.IdentityFile, knownHostsFile: state.KnownHostsFile, hostKeyPolicy: "accept-new");

    private static async Task<Dictionary<string, double>> RepairAsync(NetworkLab lab)
    {
        var phases = new Dictionary<string, double>();
        var total = Stopwatch.StartNew();
        NetworkLabState? state = null;
        phases["up"] = await TimeAsync(async () => state = await lab.UpAsync());
        TunnelSession? session = null;
        phases["connect"] = await TimeAsync(async () => session = await TunnelSession.ConnectAsync(Targets(state!)));
        await using (session!)
        {
            phases["diagnose"] = await TimeAsync(() => session!.DiagnoseAsync());
            NetworkFixOutcome? fix = null;
            phases["fix"] = await TimeAsync(async () => fix = await session!.FixAsync(checkMode: false));
            CommandResult? test = null;
            phases["verify"] = await TimeAsync(async () => test = await session!.RunTestConnectionAsync());
            phases["total"] = total.Elapsed.TotalMilliseconds;
            phases["verified"] = fix!.Succeeded && test!.ExitCode == 0 ? 1 : 0;
        }
        return phases;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private void Write(List<double> ups, List<double> downs, Dictionary<string, List<double>> batched, Dictionary<string, List<double>> perCommand,
        Dictionary<string, int> bytes, int sectionCount, List<Dictionary<string, double>> phases)
    {
        string Ms(Summary s) => string.Create(CultureInfo.InvariantCulture, $"{s.Median,8:0.0} ms  (min {s.Min:0.0}, max {s.Max:0.0}, n={s.Count})");
        output.WriteLine("network benchmark (the real twin; this machine's load inflates every figure)");
        output.WriteLine($"  lab up                      {Ms(Summary.Of(ups))}");
        output.WriteLine($"  lab down                    {Ms(Summary.Of(downs))}");
        var figures = new Dictionary<string, object>();
        foreach (var role in new[] { "server", "client" })
        {
            var one = Summary.Of(batched[role]);
            var many = Summary.Of(perCommand[role]);
            output.WriteLine($"  snapshot {role}, 1 round trip {Ms(one)}  {bytes[role]} bytes; goal <= 50 ms: {(one.Median <= 50 ? "met" : "NOT met")}");
            output.WriteLine($"  baseline {role}, {sectionCount} fresh ssh  {Ms(many)}  ratio {many.Median / one.Median:0.0}x slower");
            figures[role] = new { snapshotMs = one, baselineMs = many, bytes = bytes[role] };
        }
        foreach (var phase in new[] { "up", "connect", "diagnose", "fix", "verify", "total" })
            output.WriteLine($"  repair: {phase,-19} {Ms(Summary.Of(phases.Select(p => p[phase])))}");
        output.WriteLine($"  repairs verified by test-connection.sh: {phases.Count(p => p["verified"] == 1)}/{phases.Count}");

        Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            labUpMs = Summary.Of(ups),
            labDownMs = Summary.Of(downs),
            snapshots = figures,
            sectionsInBaseline = sectionCount,
            repair = phases,
        }, new JsonSerializerOptions { WriteIndented = true }));
        output.WriteLine($"  figures: {jsonPath}");
    }
}
