using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Runbooks.Catalogue;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Network;
using Runbooks.Network.Checks;
using Runbooks.Reports;

namespace Runbooks.Cli;

/// <summary>
/// `runbook capture|diagnose|fix network --profile NAME`: the network runbook's library from a terminal. The
/// machines come from a profile of the network runbook in nbconfig.json, the same values the notebook gets.
/// Exit codes: 0 done (diagnose: no error findings), 1 diagnose found errors or a fix step failed,
/// 2 bad input, 3 a machine could not be reached or used.
/// </summary>
internal static class NetworkCommands
{
    public const string Runbook = "network-wireguard";

    public static Command Capture()
    {
        var raw = new Option<string?>("--raw") { Description = "Also save each machine's raw capture output as DIR/server.txt and DIR/client.txt (parser fixtures; no private keys in them)." };
        return Verb("capture", "Capture both machines' network state (one round trip each).",
            (session, result, json, _, ct) => CaptureAsync(session, json, result.GetValue(raw), ct), raw);
    }

    public static Command Diagnose()
    {
        var noProbe = new Option<bool>("--no-probe") { Description = "Only read state: skip the ping and HTTP probes from the client." };
        return Verb("diagnose", "Diagnose the tunnel from both machines' state (and probes from the client).",
            (session, result, json, _, ct) => DiagnoseAsync(session, json, !result.GetValue(noProbe), ct), noProbe);
    }

    public static Command Fix() => Verb("fix", "Plan and apply the fixes; --check prints the plan and changes nothing.",
        (session, result, json, check, ct) => FixAsync(session, json, check, ct), Check);

    private static readonly Option<bool> Check = new("--check") { Description = "Print what would change; change nothing." };

    // The `network` subcommand of a verb (capture, diagnose, fix); RunbookCli puts it under the verb.
    private static Command Verb(string name, string description, Func<TunnelSession, ParseResult, bool, bool, CancellationToken, Task<int>> body, params Option[] extra)
    {
        var network = new Command("network", $"{description} The machines come from a profile of the \"{Runbook}\" runbook in nbconfig.json.");
        var profile = new Option<string>("--profile") { Description = $"The \"{Runbook}\" profile naming the machines (e.g. twin, fly).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON (the contract tools read) instead of text." };
        network.Options.Add(profile);
        network.Options.Add(json);
        foreach (var option in extra)
            network.Options.Add(option);
        network.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var (targets, settings) = Resolve(result, result.GetValue(profile)!);
            TunnelSession session;
            try
            {
                session = await TunnelSession.ConnectAsync(targets, settings, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HostException e)
            {
                await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                return CliContext.MachineUnusable;
            }
            await using (session.ConfigureAwait(false))
            {
                try
                {
                    return await body(session, result, result.GetValue(json), extra.Contains(Check) && result.GetValue(Check), cancellationToken).ConfigureAwait(false);
                }
                catch (HostException e)
                {
                    await Console.Error.WriteLineAsync($"runbook: {e.Message}").ConfigureAwait(false);
                    return CliContext.MachineUnusable;
                }
            }
        }));
        return network;
    }

    /// <summary>The targets and settings from the profile's parameters (the notebook's parameter names).</summary>
    internal static (NetworkTargets Targets, TunnelSettings Settings) Resolve(ParseResult result, string profileName)
    {
        var p = CliContext.ProfileParameters(result, Runbook, profileName);
        try
        {
            var targets = NetworkTargets.Create(p.Text("server", ""), p.Text("client", ""), p.Text("sshUser", "root"), p.Number("sshPort", 22),
                p.Text("identityFile", ""), p.Text("knownHostsFile", ""), p.Text("hostKeyPolicy", "strict"), transport: p.Text("transport", "openssh"));
            var defaults = new TunnelSettings();
            return (targets, new TunnelSettings(p.Text("wireguardInterface", defaults.Interface), p.Number("servicePort", defaults.ServicePort))
            {
                ServiceRestart = p.Text("serviceRestart", ""),
            });
        }
        catch (ArgumentException e)
        {
            throw new KeyNotFoundException($"profile \"{profileName}\" of \"{Runbook}\": {e.Message}");
        }
    }

    private static async Task<int> CaptureAsync(TunnelSession session, bool json, string? raw, CancellationToken cancellationToken)
    {
        if (raw is not null)
        {
            Directory.CreateDirectory(raw);
            foreach (var (name, host) in new[] { ("server", session.Server), ("client", session.Client) })
            {
                var output = await host.RunAsync(Runbooks.Network.Snapshot.NetworkCapture.Command(), cancellationToken).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(raw, $"{name}.txt"), output.StandardOutput, cancellationToken).ConfigureAwait(false);
            }
        }
        var state = await session.CaptureAsync(cancellationToken).ConfigureAwait(false);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { server = state.Server, client = state.Client }, ReportJson.Options));
            return CliContext.Succeeded;
        }
        foreach (var (role, s) in new[] { ("server", state.Server), ("client", state.Client) })
        {
            Console.WriteLine($"{role}: {s.Hostname} ({s.Host}), captured {s.CapturedAt:u}");
            foreach (var link in s.Links)
                Console.WriteLine($"  link {link.Name} mtu {link.Mtu} {(link.IsUp ? "up" : "down")}{(link.Kind is null ? "" : $" ({link.Kind})")}: {string.Join(", ", link.Addresses.Where(a => a.Scope != "link"))}");
            foreach (var wg in s.WireGuard)
                Console.WriteLine($"  wg {wg.Name} port {wg.ListenPort}: {string.Join("; ", wg.Peers.Select(p => $"peer {p.Endpoint ?? "(no endpoint)"} allowed {string.Join(",", p.AllowedIps)}"))}");
            Console.WriteLine($"  routes {s.Routes.Length}, rules {s.Rules.Length}, firewall rules {s.Firewall.Rules.Length} (+{s.Firewall.NftRules.Length} nft), listeners {s.Listeners.Length}");
            foreach (var problem in s.Problems)
                Console.WriteLine($"  could not capture {problem.Section}: {problem.Message}");
        }
        return CliContext.Succeeded;
    }

    private static async Task<int> DiagnoseAsync(TunnelSession session, bool json, bool probe, CancellationToken cancellationToken)
    {
        var (_, diagnosis, _) = await session.DiagnoseAsync(probe, cancellationToken).ConfigureAwait(false);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { findings = diagnosis.Findings }, ReportJson.Options));
        else
            WriteFindings(diagnosis.Findings);
        return diagnosis.Findings.Any(f => f.Severity == Severity.Error) ? CliContext.RunbookFailed : CliContext.Succeeded;
    }

    internal static void WriteFindings(IReadOnlyCollection<Finding> findings)
    {
        Console.WriteLine(findings.Count == 0 ? "no findings" : $"{findings.Count} finding(s):");
        foreach (var f in findings)
        {
            Console.WriteLine($"- {f.Severity.ToString().ToUpperInvariant(),-7} {f.Host,-6} {f.Check}: {f.Title}");
            foreach (var line in f.Evidence)
                Console.WriteLine($"      {line}");
            Console.WriteLine($"    fix: {f.Fix}");
        }
    }

    private static async Task<int> FixAsync(TunnelSession session, bool json, bool check, CancellationToken cancellationToken)
    {
        var outcome = await session.FixAsync(check, json ? null : PlanOutput.Print, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                check,
                changed = outcome.Changed,
                failed = outcome.Steps.Count(s => s.Status == StepStatus.Failed),
                steps = outcome.Steps.Select(PlanOutput.StepJson),
                remaining = outcome.After.Findings,
                probes = outcome.Probes?.All,
                open = outcome.Open.Select(PlanOutput.OpenJson),
            }, ReportJson.Options));
        }
        else
        {
            Console.WriteLine(PlanOutput.Summary(check, outcome.Changed, outcome.Steps.Count(s => s.Status == StepStatus.Failed)));
            var warnings = outcome.After.Findings.Where(f => f.Severity != Severity.Error).ToList();
            if (!check && warnings.Count > 0)
            {
                Console.WriteLine("warnings left (they do not break the tunnel now):");
                WriteFindings(warnings);
            }
            PlanOutput.PrintOpen(check, outcome.Open);
        }
        return outcome.Succeeded ? CliContext.Succeeded : CliContext.RunbookFailed;
    }
}
