using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Network.Checks;
using Runbooks.Network.Fixes;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network;

/// <summary>
/// What one <see cref="TunnelSession.FixAsync"/> did: every round's plan and report, the final diagnosis (on state
/// captured after the last step, with the challenge's probes when fixes were applied), and what is still open.
/// </summary>
public sealed record NetworkFixOutcome(ImmutableArray<FixReport> Rounds, NetworkDiagnosis Before, NetworkDiagnosis After, ProbeReport? Probes, ImmutableArray<OpenFinding> Open)
{
    public ImmutableArray<StepResult> Steps => [.. Rounds.SelectMany(r => r.Steps)];

    public int Changed => Rounds.Sum(r => r.Changed);

    /// <summary>Every step succeeded and no error finding (nor a failing probe) is left: the only outcome worth exit 0.</summary>
    public bool Succeeded => Rounds.All(r => r.Succeeded) && Open.IsEmpty;
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
    /// fixable remains; check mode plans once. After applying, the challenge's probes run again on the fixed
    /// pair: a fix is done only when no error finding is left and every probe gets the wanted answer, and each
    /// that is left comes back in <see cref="NetworkFixOutcome.Open"/> with why no step cleared it.
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
        var steps = rounds.SelectMany(r => r.Steps).ToList();
        if (checkMode)
            return new NetworkFixOutcome(rounds.ToImmutable(), before, diagnosis, null, OpenFinding.Of(before.Findings, steps, checkMode: true));

        var probes = diagnosis.Intent is null ? null : await ProbeUntilWantedAsync(diagnosis.Intent, cancellationToken).ConfigureAwait(false);
        var open = OpenFinding.WithFailedProbes(OpenFinding.Of(diagnosis.Findings, steps, checkMode: false), probes?.Findings ?? []);
        return new NetworkFixOutcome(rounds.ToImmutable(), before, diagnosis, probes, open);
    }

    // A restarted server drops the client's session, and the client only starts a new handshake once its own
    // times out (about 15 s: WireGuard's keepalive plus rekey timeouts). A probe failing in that window says
    // nothing about the fix, so failing probes are tried again for a little longer than that.
    private async Task<ProbeReport> ProbeUntilWantedAsync(TunnelIntent intent, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var probes = await ProbeAsync(intent, cancellationToken).ConfigureAwait(false);
            if (probes.AllWanted || DateTimeOffset.UtcNow >= deadline)
                return probes;
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
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
