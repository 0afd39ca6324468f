using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Network.Checks;

namespace Runbooks.Network;

/// <summary>One probe from the client: what it ran, whether the outcome is the wanted one, and what it printed.</summary>
public sealed record ProbeResult(string Name, string Command, bool Wanted, int ExitCode, string Output);

/// <summary>The three things the challenge tests, tried from the client in one round trip.</summary>
public sealed record ProbeReport(ProbeResult Ping, ProbeResult HttpOverTunnel, ProbeResult HttpOverUnderlay)
{
    public IEnumerable<ProbeResult> All => [Ping, HttpOverTunnel, HttpOverUnderlay];

    public bool AllWanted => All.All(p => p.Wanted);

    /// <summary>Each unwanted outcome as a finding: a symptom, with no remedy of its own (the state findings have those).</summary>
    public IEnumerable<Finding> Findings => All.Where(p => !p.Wanted).Select(p => new Finding(
        $"probe-{p.Name}", Severity.Error, "client",
        p.Name switch
        {
            "ping" => "Ping through the tunnel gets no answer",
            "http-over-tunnel" => "HTTP over WireGuard does not connect",
            _ => "HTTP over 6pn connects, but must be blocked",
        },
        "Seen from the client, as the challenge's test-connection.sh sees it. The state findings explain why.",
        [$"$ {p.Command}", .. p.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(6), $"exit {p.ExitCode}"],
        "See the other findings."));
}

/// <summary>Runs the challenge's three checks from the client, each bounded to a few seconds.</summary>
public static class TunnelProbes
{
    public static async Task<ProbeReport> RunAsync(IHost client, TunnelIntent intent, TunnelSettings settings, CancellationToken cancellationToken = default)
    {
        var tunnel = intent.ServerAddress.Address;
        var underlay = intent.ServerUnderlayAddress;
        string Url(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{a}]:{settings.ServicePort}/" : $"http://{a}:{settings.ServicePort}/";
        var probes = new (string Name, string Command)[]
        {
            ("ping", $"ping -c 3 -i 0.2 -W 1 {tunnel}"),
            ("http-over-tunnel", $"curl -sS --connect-timeout 1 -m 3 {Url(tunnel)}"),
            ("http-over-6pn", $"curl -sS --connect-timeout 1 -m 3 -o /dev/null -w 'HTTP %{{http_code}}\\n' {Url(underlay)}"),
        };
        // One round trip, the probes at once (a failing one waits out its timeout): each probe's output, then a
        // marker line with its exit code, printed in order once all have ended.
        var script = new StringBuilder("d=$(mktemp -d) || exit 1\n");
        for (var i = 0; i < probes.Length; i++)
            script.Append(CultureInfo.InvariantCulture, $"({probes[i].Command} >\"$d/{i}\" 2>&1; printf '\\n@@probe %s %s\\n' {probes[i].Name} $? >>\"$d/{i}\") &\n");
        script.Append("wait\ncat");
        for (var i = 0; i < probes.Length; i++)
            script.Append(CultureInfo.InvariantCulture, $" \"$d/{i}\"");
        script.Append("\nrm -rf \"$d\"\n");
        var result = await client.RunAsync(HostCommand.Shell(script.ToString())
            .WithValidation(CommandValidation.None)
            .WithRemoteTimeout(TimeSpan.FromSeconds(20))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .WithDescription("probe the tunnel from the client: ping, HTTP over WireGuard, HTTP over 6pn"), cancellationToken).ConfigureAwait(false);

        var outputs = new Dictionary<string, (int Exit, string Output)>();
        var current = new StringBuilder();
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            if (line.StartsWith("@@probe ", StringComparison.Ordinal) && line.Split(' ') is [_, var name, var code])
            {
                outputs[name] = (int.TryParse(code, CultureInfo.InvariantCulture, out var exit) ? exit : -1, current.ToString().Trim());
                current.Clear();
            }
            else
                current.Append(line).Append('\n');
        }
        ProbeResult Probe(int index, Func<int, bool> wanted)
        {
            var (name, command) = probes[index];
            var (exit, output) = outputs.TryGetValue(name, out var o) ? o : (-1, $"no result (the probe script ended early; stderr: {result.StandardError.Trim()})");
            return new ProbeResult(name, command, exit >= 0 && wanted(exit), exit, output);
        }
        return new ProbeReport(Probe(0, e => e == 0), Probe(1, e => e == 0), Probe(2, e => e != 0));
    }
}
