using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Fixes;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage;

/// <summary>
/// The storage machine, connected: capture, diagnose and run its test, every command in one <see cref="Transcript"/>.
/// What the storage notebook and `runbook capture|diagnose storage` share.
/// </summary>
public sealed class StorageSession : IAsyncDisposable
{
    private static readonly string[] s_tools = ["lvm", "losetup", "findmnt", "df", "mount", "ps"];

    private StorageSession(IHost host, Transcript transcript, StorageSettings settings)
    {
        Host = host;
        Transcript = transcript;
        Settings = settings;
    }

    public IHost Host { get; }

    public Transcript Transcript { get; }

    public StorageSettings Settings { get; }

    /// <summary>Connects and checks the tools the runbook uses, so a machine without LVM fails here, by name, before anything changes.</summary>
    public static async Task<StorageSession> ConnectAsync(SshTarget target, StorageSettings? settings = null, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        transcript ??= new Transcript();
        var host = SshHosts.Open(target, transcript);
        try
        {
            await host.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return await StartAsync(host, settings, transcript, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>As <see cref="ConnectAsync"/>, over a host already made (a LocalHost, a lab console).</summary>
    public static async Task<StorageSession> StartAsync(IHost host, StorageSettings? settings = null, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        await RequiredTools.CheckAsync(host, host.Name, s_tools, t => t switch { "lvm" => "lvm2", "ps" => "procps", _ => "util-linux" }, cancellationToken).ConfigureAwait(false);
        return new StorageSession(host, transcript ?? new Transcript(), settings ?? new StorageSettings());
    }

    /// <summary>The last state captured through this session: during a fix, the state after the step just reported.</summary>
    public StorageSnapshot? LastSnapshot { get; private set; }

    /// <summary>
    /// Captures the machine's state. A capture the host stopped part-way (past <see cref="StorageCapture.RemoteTimeout"/>)
    /// is taken once more: an emulated or busy machine may need longer now and then, and a plan, a verification or a
    /// fingerprint read from half a capture would judge sections that are simply missing. The second one is returned
    /// as it is, with its problems.
    /// </summary>
    public async Task<StorageSnapshot> CaptureAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await StorageCapture.CaptureAsync(Host, cancellationToken).ConfigureAwait(false);
        if (snapshot.Problems.Any(p => p.Section == "capture"))
            snapshot = await StorageCapture.CaptureAsync(Host, cancellationToken).ConfigureAwait(false);
        return LastSnapshot = snapshot;
    }

    public async Task<(StorageSnapshot State, ImmutableArray<Finding> Findings)> DiagnoseAsync(CancellationToken cancellationToken = default)
    {
        var state = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        return (state, StorageChecks.Run(state, Settings));
    }

    /// <summary>
    /// Plans from fresh state and applies the plan (or, in check mode, only says what it would change), re-planning
    /// up to <paramref name="maxRounds"/> times while a round changed something: a step may reveal the next (the
    /// disk added once the root filesystem has room). After applying, the volume is probed (<see cref="ProbeAsync"/>):
    /// the fix is done only when no error finding is left and every probe passes, and each that is left comes back in <see cref="StorageFixOutcome.Open"/> with why no step cleared it.
    /// </summary>
    /// <exception cref="StorageRepairBlockedException">Before anything changes, when the machine must not be repaired
    /// automatically (<see cref="StorageFixPlanner.Blockers"/>).</exception>
    public async Task<StorageFixOutcome> FixAsync(bool checkMode, Action<StepResult>? progress = null, int maxRounds = 3, CancellationToken cancellationToken = default)
    {
        var hosts = new Dictionary<string, IHost> { [Host.Name] = Host };
        var state = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        var before = StorageChecks.Run(state, Settings);
        var blockers = StorageFixPlanner.Blockers(state, Settings);
        if (!blockers.IsEmpty)
            throw new StorageRepairBlockedException(Host.Name, blockers);
        var findings = before;
        var rounds = ImmutableArray.CreateBuilder<FixReport>();
        for (var round = 0; round < maxRounds; round++)
        {
            // A round may uncover what a human must decide (a filter switched off shows a deleted disk image): nothing
            // more runs then, and what is left stays open.
            if (round > 0 && !StorageFixPlanner.Blockers(state, Settings).IsEmpty)
                break;
            var plan = StorageFixPlanner.Plan(state, Settings);
            if (plan.IsEmpty)
                break;
            (var report, state) = await PlanRunner.RunAsync(plan, hosts, state, CaptureAsync, checkMode, progress, cancellationToken).ConfigureAwait(false);
            rounds.Add(report);
            findings = StorageChecks.Run(state, Settings);
            if (checkMode || !report.Succeeded || report.Changed == 0)
                break;
        }
        var steps = rounds.SelectMany(r => r.Steps).ToList();
        if (checkMode)
            return new StorageFixOutcome(rounds.ToImmutable(), before, findings, state, OpenFinding.Of(before, steps, checkMode: true));
        var open = OpenFinding.WithFailedProbes(OpenFinding.Of(findings, steps, checkMode: false), await ProbeAsync(cancellationToken).ConfigureAwait(false));
        return new StorageFixOutcome(rounds.ToImmutable(), before, findings, state, open);
    }

    /// <summary>
    /// What the challenge asks of the volume, tried for real rather than read from state: a file written under the
    /// mount point, read back and removed; and, when the machine keeps a manifest of its objects
    /// (<see cref="StorageSettings.ObjectManifest"/>), every object checked against it. A finding for each that fails,
    /// with what the machine answered; empty when both pass.
    /// </summary>
    public async Task<ImmutableArray<Finding>> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var mount = ShellQuote.Quote(Settings.MountPoint);
        var manifest = ShellQuote.Quote(Settings.ObjectManifest);
        var objects = ShellQuote.Quote(Settings.ObjectDirectory);
        var writable = Host.RunAsync(HostCommand.Shell(
                $"f={mount}/.runbook-probe.$$ && mountpoint -q {mount} && echo probe > \"$f\" && sync \"$f\" && [ \"$(cat \"$f\")\" = probe ] && rm -f \"$f\"")
            .WithValidation(CommandValidation.None)
            .WithRemoteTimeout(TimeSpan.FromSeconds(20))
            .WithDescription($"probe: write, read back and remove a file under {Settings.MountPoint}"), cancellationToken);
        var intact = Host.RunAsync(HostCommand.Shell($"[ -f {manifest} ] || exit 0; cd {objects} || exit 1; out=$(sha256sum --quiet -c {manifest} 2>&1); rc=$?; printf '%s\\n' \"$out\" | head -n 5; exit $rc")
            .WithValidation(CommandValidation.None)
            .WithRemoteTimeout(TimeSpan.FromMinutes(2))
            .WithDescription($"probe: every object under {Settings.ObjectDirectory} against {Settings.ObjectManifest}"), cancellationToken);
        var host = LastSnapshot?.Hostname ?? Host.Name;
        var found = ImmutableArray.CreateBuilder<Finding>();
        if (await writable.ConfigureAwait(false) is { ExitCode: not 0 } w)
            found.Add(new Finding("probe-volume-writable", Severity.Error, host, $"A file cannot be written to {Settings.MountPoint} and read back",
                "The challenge needs the volume mounted and writable; this is that, tried for real.",
                [$"exit {w.ExitCode}", .. Lines(w)], "See the other findings."));
        if (await intact.ConfigureAwait(false) is { ExitCode: not 0 } i)
            found.Add(new Finding("probe-objects-intact", Severity.Error, host, $"Objects under {Settings.ObjectDirectory} are missing or do not match {Settings.ObjectManifest}",
                "The service's data is not what it stored: no storage step restores lost or changed objects, they come back from a backup.",
                [$"sha256sum -c: exit {i.ExitCode}", .. Lines(i)], "Restore the objects named from a backup."));
        return found.ToImmutable();

        static IEnumerable<string> Lines(CommandResult r) => (r.StandardOutput + r.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(5);
    }

    /// <summary>Runs the challenge's test-storage.sh (validation off: its exit code is the verdict).</summary>
    public Task<CommandResult> RunTestStorageAsync(string arguments = "", string path = "/usr/local/bin/test-storage.sh", CancellationToken cancellationToken = default) =>
        Host.RunAsync(HostCommand.Shell($"{ShellQuote.Quote(path)} {arguments}".TrimEnd())
            .WithValidation(CommandValidation.None)
            .WithRemoteTimeout(TimeSpan.FromMinutes(10))
            .WithDescription("the challenge's test-storage.sh"), cancellationToken);

    /// <summary>
    /// The checksums of every file under <paramref name="directory"/>, folded into one digest with their count: equal
    /// before and after a repair means no object was lost or changed. Read-only; it reads every byte, so it costs
    /// about as much as the data.
    /// </summary>
    public async Task<ObjectChecksums> ObjectChecksumsAsync(string directory, CancellationToken cancellationToken = default)
    {
        var dir = ShellQuote.Quote(directory);
        var result = await Host.RunAsync(HostCommand.Shell(
                $"cd {dir} && find . -type f -print0 | sort -z | xargs -0 -r sha256sum > /tmp/.runbook-checksums && wc -l < /tmp/.runbook-checksums && sha256sum < /tmp/.runbook-checksums; rc=$?; rm -f /tmp/.runbook-checksums; exit $rc")
            .WithRemoteTimeout(TimeSpan.FromMinutes(5))
            .WithDescription($"sha256sum of every file under {directory}"), cancellationToken).ConfigureAwait(false);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || !int.TryParse(lines[0].Trim(), System.Globalization.CultureInfo.InvariantCulture, out var count))
            throw new FormatException($"the checksums of {directory} on {Host.Name} came back as \"{result.StandardOutput.Trim()}\", not a count and a digest");
        return new ObjectChecksums(directory, count, lines[1].Split(' ')[0]);
    }

    /// <summary>
    /// Reboots the machine and connects again once it is back (a new boot id) with <paramref name="mountPoint"/>
    /// mounted, or <paramref name="timeout"/> has passed: then the session is returned anyway and its diagnosis
    /// says what is missing. This session is closed; use the one returned, which shares its transcript.
    /// </summary>
    /// <exception cref="HostException">The machine did not come back within <paramref name="timeout"/>.</exception>
    public async Task<StorageSession> RebootAsync(SshTarget target, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        const string bootId = "cat /proc/sys/kernel/random/boot_id";
        var before = (await Host.RunAsync(HostCommand.Shell(bootId).WithDescription("the boot id"), cancellationToken).ConfigureAwait(false)).StandardOutput.Trim();
        // Detached and a second late, so the command returns before the connection drops.
        await Host.RunAsync(HostCommand.Shell("sync; nohup sh -c 'sleep 1; reboot || busybox reboot' > /dev/null 2>&1 &").WithDescription("reboot"), cancellationToken).ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow + timeout;
        Exception? last = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            var host = SshHosts.Open(target, Transcript);
            try
            {
                var now = (await host.RunAsync(HostCommand.Shell(bootId).WithTimeout(TimeSpan.FromSeconds(10)).WithDescription("the boot id"), cancellationToken).ConfigureAwait(false)).StandardOutput.Trim();
                if (now != before)
                {
                    var session = new StorageSession(host, Transcript, Settings);
                    while (DateTimeOffset.UtcNow < deadline && (await session.CaptureAsync(cancellationToken).ConfigureAwait(false)).MountAt(Settings.MountPoint) is null)
                        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    return session;
                }
            }
            catch (HostException e)
            {
                last = e;
            }
            await host.DisposeAsync().ConfigureAwait(false);
        }
        throw new HostException(target.Host, $"{target.Host} did not come back from a reboot within {timeout.TotalSeconds:0} s{(last is null ? "" : $" (last: {last.Message})")}: look at its console", last);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>What one <see cref="StorageSession.FixAsync"/> did: every round's report, the findings before and after, the
/// last state, and what is still open (after applying: the error findings left and every failing probe).</summary>
public sealed record StorageFixOutcome(ImmutableArray<FixReport> Rounds, ImmutableArray<Finding> Before, ImmutableArray<Finding> After, StorageSnapshot State, ImmutableArray<OpenFinding> Open)
{
    public ImmutableArray<StepResult> Steps => [.. Rounds.SelectMany(r => r.Steps)];

    public int Changed => Rounds.Sum(r => r.Changed);

    /// <summary>Every step succeeded and nothing is left open: the only outcome worth exit 0.</summary>
    public bool Succeeded => Rounds.All(r => r.Succeeded) && Open.IsEmpty;
}

/// <summary>The machine must not be repaired automatically: each reason names what is wrong and what to do. Nothing was changed.</summary>
public sealed class StorageRepairBlockedException(string host, ImmutableArray<string> reasons)
    : Exception($"the storage of {host} is not repaired automatically; nothing was changed:\n" + string.Join("\n", reasons.Select(r => "- " + r)))
{
    public string Host { get; } = host;

    public ImmutableArray<string> Reasons { get; } = reasons;
}

/// <summary>Every file's checksum under <see cref="Directory"/>, folded into one <see cref="Digest"/> (sha256 of the sorted `sha256sum` list).</summary>
public sealed record ObjectChecksums(string Directory, int Count, string Digest);
