using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Network.Checks;
using Runbooks.Network.Fixes;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network;

/// <summary>What one <see cref="TunnelSession.FixAsync"/> did: every round's plan and report, and the final diagnosis.</summary>
public sealed record NetworkFixOutcome(ImmutableArray<FixReport> Rounds, NetworkDiagnosis Before, NetworkDiagnosis After)
{
    public ImmutableArray<StepResult> Steps => [.. Rounds.SelectMany(r => r.Steps)];

    public int Changed => Rounds.Sum(r => r.Changed);

    public bool Succeeded => Rounds.All(r => r.Succeeded);
}

/// <summary>
/// The two machines of the network challenge, connected: capture, diagnose, plan and fix, with every command
/// in one <see cref="Transcript"/>. What the notebook and `runbook capture|diagnose|fix network` share.
/// </summary>
public sealed class TunnelSession : IAsyncDisposable
{
    private static readonly string[] s_tools = ["ip", "wg", "wg-quick", "iptables", "ip6tables", "sysctl", "ss"];

    private TunnelSession(IHost server, IHost client, Transcript transcript, TunnelSettings settings)
    {
        Server = server;
        Client = client;
        Transcript = transcript;
        Settings = settings;
    }

    public IHost Server { get; }

    public IHost Client { get; }

    public Transcript Transcript { get; }

    public TunnelSettings Settings { get; }

    public IHost Of(TunnelRole role) => role == TunnelRole.Server ? Server : Client;

    /// <summary>
    /// Connects to both machines at once and checks that each has the tools the runbook uses, so a machine that
    /// cannot be fixed fails here, with its name and the cause, before anything has changed anywhere.
    /// </summary>
    public static async Task<TunnelSession> ConnectAsync(NetworkTargets targets, TunnelSettings? settings = null, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        transcript ??= new Transcript();
        var server = SshHosts.Open(targets.Server, transcript);
        var client = SshHosts.Open(targets.Client, transcript);
        try
        {
            await Task.WhenAll(server.ConnectAsync(cancellationToken), client.ConnectAsync(cancellationToken)).ConfigureAwait(false);
            return await StartAsync(server, client, settings, transcript, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>As <see cref="ConnectAsync"/>, over hosts already made (a LocalHost, a lab console).</summary>
    public static async Task<TunnelSession> StartAsync(IHost server, IHost client, TunnelSettings? settings = null, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(RequireToolsAsync(server, "server", cancellationToken), RequireToolsAsync(client, "client", cancellationToken)).ConfigureAwait(false);
        return new TunnelSession(server, client, transcript ?? new Transcript(), settings ?? new TunnelSettings());
    }

    private static Task RequireToolsAsync(IHost host, string role, CancellationToken cancellationToken) =>
        RequiredTools.CheckAsync(host, $"the {role} ({host.Name})", s_tools, PackageOf, cancellationToken);

    private static string PackageOf(string tool) => tool switch
    {
        "wg" or "wg-quick" => "wireguard-tools",
        "iptables" or "ip6tables" => "iptables",
        "sysctl" => "procps",
        _ => "iproute2",
    };

    public async Task<TunnelState> CaptureAsync(CancellationToken cancellationToken = default)
    {
        var server = NetworkCapture.CaptureAsync(Server, cancellationToken);
        var client = NetworkCapture.CaptureAsync(Client, cancellationToken);
        return new TunnelState(await server.ConfigureAwait(false), await client.ConfigureAwait(false));
    }

    /// <summary>Findings from the captured state, plus (with <paramref name="probe"/>) the challenge's three checks run from the client.</summary>
    public async Task<(TunnelState State, NetworkDiagnosis Diagnosis, ProbeReport? Probes)> DiagnoseAsync(bool probe = true, CancellationToken cancellationToken = default)
    {
        var state = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        var diagnosis = TunnelChecks.Run(state, Settings);
        if (!probe || diagnosis.Intent is null)
            return (state, diagnosis, null);
        var probes = await ProbeAsync(diagnosis.Intent, cancellationToken).ConfigureAwait(false);
        var symptoms = probes.Findings.Select(f => new DiagnosedFinding(f, []));
        return (state, diagnosis with { Items = [.. diagnosis.Items, .. symptoms] }, probes);
    }

    public Task<ProbeReport> ProbeAsync(TunnelIntent intent, CancellationToken cancellationToken = default) =>
        TunnelProbes.RunAsync(Client, intent, Settings, cancellationToken);

    /// <summary>The plan for the current state, without running it.</summary>
    public async Task<ImmutableArray<FixStep<TunnelState>>> PlanAsync(CancellationToken cancellationToken = default)
    {
        var state = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        return NetworkFixPlanner.Plan(TunnelChecks.Run(state, Settings), state, Settings);
    }

    /// <summary>
    /// Plans and applies (or, in check mode, only reports) the fixes. A fix can uncover what an earlier fault
    /// hid, so apply re-diagnoses and plans again, up to <paramref name="maxRounds"/> times, until nothing
    /// fixable remains; check mode plans once.
    /// </summary>
    public async Task<NetworkFixOutcome> FixAsync(bool checkMode, Action<StepResult>? progress = null, int maxRounds = 3, CancellationToken cancellationToken = default)
    {
        var hosts = new Dictionary<string, IHost> { ["server"] = Server, ["client"] = Client };
        var state = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        var before = TunnelChecks.Run(state, Settings);
        var diagnosis = before;
        var rounds = ImmutableArray.CreateBuilder<FixReport>();
        for (var round = 0; round < maxRounds; round++)
        {
            var plan = NetworkFixPlanner.Plan(diagnosis, state, Settings);
            if (plan.IsEmpty)
                break;
            (var report, state) = await PlanRunner.RunAsync(plan, hosts, state, CaptureAsync, checkMode, progress, cancellationToken).ConfigureAwait(false);
            rounds.Add(report);
            diagnosis = TunnelChecks.Run(state, Settings);
            if (checkMode || !report.Succeeded || report.Changed == 0)
                break;
        }
        return new NetworkFixOutcome(rounds.ToImmutable(), before, diagnosis);
    }

    /// <summary>Runs the challenge's own test on the client (validation off: its exit code is the verdict).</summary>
    public Task<CommandResult> RunTestConnectionAsync(string path = "/usr/local/bin/test-connection.sh", CancellationToken cancellationToken = default) =>
        Client.RunAsync(HostCommand.Exec(path).WithValidation(CommandValidation.None).WithRemoteTimeout(TimeSpan.FromSeconds(60)).WithDescription("the challenge's test-connection.sh"), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        await Client.DisposeAsync().ConfigureAwait(false);
    }
}
