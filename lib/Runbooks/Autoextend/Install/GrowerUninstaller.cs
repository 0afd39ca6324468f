using System.Collections.Immutable;
using Runbooks.Autoextend.Policy;
using Runbooks.Checks;
using Runbooks.Hosts;

namespace Runbooks.Autoextend.Install;

/// <summary>What uninstalling did (or would do, in check mode), with the machine's state before and after.</summary>
/// <param name="Kept">What stays on the machine on purpose, one line each: the history and the log (the record of what
/// happened), the copies of the removed files, and the build while another volume's grower uses it.</param>
public sealed record GrowerUninstallOutcome(FixReport Report, GrowerInstallState Before, GrowerInstallState After, ImmutableArray<string> Kept)
{
    /// <summary>No step had anything to do: nothing of this volume's grower was on the machine.</summary>
    public bool NothingInstalled => Report.Succeeded && Report.Changed == 0;
}

/// <summary>
/// Removes the grower of one volume from a machine, the reverse of <see cref="GrowerInstaller"/>
/// (docs/autoextend-install.md): init told to stop keeping it first, so nothing starts again what is stopped next;
/// then the grower stopped, its launcher, metrics and policy removed; the build and the `runbook` link only when no
/// other volume's policy remains (their growers run that build). The history and the log are kept: they are the
/// record of what the grower did. Each step runs only while needed and is verified on the state read again, so a
/// second run changes nothing and <c>checkMode</c> changes nothing at all.
/// </summary>
public static class GrowerUninstaller
{
    private const string Host = "machine";

    // A grow under way is finished before the grower exits on SIGTERM: lvextend and resize2fs, slow under emulation.
    private const int StopWaitSeconds = 60;

    public static async Task<GrowerUninstallOutcome> UninstallAsync(IHost host, string volumeGroup, string logicalVolume, bool checkMode,
        Action<StepResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (LvmNames.VolumeProblem($"{volumeGroup}/{logicalVolume}") is { } problem)
            throw new ArgumentException($"\"{volumeGroup}/{logicalVolume}\" {problem}", nameof(logicalVolume));
        var layout = new GrowerLayout(volumeGroup, logicalVolume);
        var files = await InstalledFilesAsync(host, layout, cancellationToken).ConfigureAwait(false);
        async Task<GrowerInstallState> CaptureAsync(CancellationToken token) =>
            GrowerInstallState.Parse((await host.RunAsync(GrowerInstallState.Command(layout, version: null, files.Metrics, files.History), token).ConfigureAwait(false)).StandardOutput);

        var before = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        var steps = Plan(layout, files, before.Supervisor);
        var (report, after) = await PlanRunner.RunAsync(steps, new Dictionary<string, IHost> { [Host] = host }, before, CaptureAsync, checkMode, progress, cancellationToken).ConfigureAwait(false);
        return new GrowerUninstallOutcome(report, before, after, Kept(layout, files, before, after));
    }

    /// <summary>The history and metrics files of the installed policy, and why they are where they are looked for.</summary>
    internal sealed record InstalledFiles(string History, string Metrics, string Source);

    /// <summary>The policy names the files (<c>--history</c>, <c>--metrics</c> at install); read once, before anything is
    /// removed, so every state read looks at the same files. No policy, or one that does not parse: the layout's.</summary>
    private static async Task<InstalledFiles> InstalledFilesAsync(IHost host, GrowerLayout layout, CancellationToken cancellationToken)
    {
        var read = await host.RunAsync(HostCommand.Shell($"[ ! -f {layout.PolicyPath} ] || cat {layout.PolicyPath}")
            .WithDescription($"read {layout.PolicyPath} for the history and metrics files it names").WithTimeout(TimeSpan.FromSeconds(30)), cancellationToken).ConfigureAwait(false);
        return FilesFromPolicy(layout, read.StandardOutput);
    }

    internal static InstalledFiles FilesFromPolicy(GrowerLayout layout, string policyJson)
    {
        if (string.IsNullOrWhiteSpace(policyJson))
            return new(layout.HistoryPath, layout.MetricsPath, "no policy is installed: the default path");
        try
        {
            var policy = PolicyLoader.Parse(policyJson, layout.PolicyPath);
            return new(policy.HistoryPath ?? layout.HistoryPath, policy.MetricsPath ?? layout.MetricsPath, $"as {layout.PolicyPath} names it");
        }
        catch (PolicyException)
        {
            // A hand-edited policy must not stop the removal: the files the installer would have named are looked at.
            return new(layout.HistoryPath, layout.MetricsPath, $"{layout.PolicyPath} does not read as a policy: the default path");
        }
    }

    internal static List<FixStep<GrowerInstallState>> Plan(GrowerLayout layout, InstalledFiles files, Supervisor supervisor)
    {
        var steps = new List<FixStep<GrowerInstallState>>();
        // First: a grower stopped while init still keeps it would be started again at once. Debian's busybox init
        // itself sends SIGTERM to the process of a line it no longer finds (FEATURE_KILL_REMOVED; no SIGKILL after it,
        // seen on the twin), so there stop-grower often finds it gone or only waits for it.
        switch (supervisor)
        {
            case Supervisor.Systemd:
                steps.Add(new("disable-unit", Host, $"stop and disable {layout.UnitName}, remove {layout.UnitPath}",
                    "systemd would start the grower again if it stopped, and at boot",
                    s => s.UnitSha256 is not null || s.UnitEnabled,
                    [HostCommand.Shell($"set -e; systemctl disable --now {layout.UnitName}; {FileBackup.RemovalShell(layout.UnitPath)}systemctl daemon-reload")
                        .WithTimeout(TimeSpan.FromMinutes(2))
                        .WithDescription($"systemctl disable --now {layout.UnitName} (the grower finishes a grow under way first), remove the unit (kept as {FileBackup.RemovedCopy(layout.UnitPath)}), daemon-reload")],
                    s => s.UnitSha256 is null && !s.UnitEnabled, $"{layout.UnitPath} is gone and {layout.UnitName} is not enabled"));
                break;
            case Supervisor.BusyboxInittab or Supervisor.SysvInittab:
                steps.Add(new("remove-respawn-line", Host, $"remove the respawn line of {layout.LauncherPath} from {GrowerLayout.InittabPath}, and have init read it",
                    "init would start the grower again if it stopped, and at boot",
                    s => s.InittabLines > 0,
                    [HostCommand.Shell($"set -e; {FileBackup.Shell(GrowerLayout.InittabPath)}{RemoveInittabLines(layout, GrowerLayout.InittabPath)}; kill -HUP 1")
                        .WithDescription($"delete the lines that respawn {layout.LauncherPath} from {GrowerLayout.InittabPath} (original kept under {FileBackup.Folder}), kill -HUP 1")],
                    s => s.InittabLines == 0, $"{GrowerLayout.InittabPath} has no line that respawns {layout.LauncherPath}"));
                break;
        }
        steps.Add(new("stop-grower", Host, $"stop the grower of {layout.PolicyPath}",
            "it would keep growing the volume; a grow under way is finished first",
            s => !s.Growers.IsEmpty,
            [HostCommand.Shell(StopGrowers(layout)).WithTimeout(TimeSpan.FromSeconds(StopWaitSeconds * 2 + 30))
                .WithDescription($"kill -TERM the growers of {layout.PolicyPath}, wait for them to exit (up to {StopWaitSeconds} s each: a grow under way is finished), and see that none starts again")],
            s => s.Growers.IsEmpty, $"no grower of {layout.PolicyPath} runs"));
        steps.Add(new("remove-launcher", Host, $"remove {layout.LauncherPath}", "what init started; nothing starts it any more",
            s => s.LauncherSha256 is not null,
            [HostCommand.Shell(FileBackup.RemovalShell(layout.LauncherPath)).WithDescription($"remove {layout.LauncherPath} (kept as {FileBackup.RemovedCopy(layout.LauncherPath)})")],
            s => s.LauncherSha256 is null, $"{layout.LauncherPath} is gone"));
        steps.Add(new("remove-metrics", Host, $"remove {files.Metrics} ({files.Source})",
            "no grower updates it any more: a textfile collector would keep publishing its last figures as if they were current",
            s => s.MetricsChanged is not null,
            [HostCommand.Shell($"rm -f {ShellQuote.Quote(files.Metrics)}")],
            s => s.MetricsChanged is null, $"{files.Metrics} is gone"));
        // Last of the volume's files: it names the metrics file, so a run cut off before here still finds it next time.
        steps.Add(new("remove-policy", Host, $"remove {layout.PolicyPath}", "no grower reads it any more; a policy left there would keep the build installed for nothing",
            s => s.PolicySha256 is not null,
            [HostCommand.Shell(FileBackup.RemovalShell(layout.PolicyPath)).WithDescription($"remove {layout.PolicyPath} (kept as {FileBackup.RemovedCopy(layout.PolicyPath)})")],
            s => s.PolicySha256 is null, $"{layout.PolicyPath} is gone"));
        steps.Add(new("remove-build", Host, $"remove {GrowerLayout.BuildsFolder} and the {GrowerLayout.CommandLink} link",
            $"no volume has a policy in {GrowerLayout.PoliciesFolder} any more: no grower runs the build",
            s => s.OtherPolicies(layout).IsEmpty && (!s.Builds.IsEmpty || s.CommandLinkIsOurs),
            [HostCommand.Shell($"case \"$(readlink {GrowerLayout.CommandLink})\" in {GrowerLayout.BuildsFolder}/*) rm -f {GrowerLayout.CommandLink};; esac; rm -rf {GrowerLayout.BuildsFolder}")
                .WithDescription($"rm {GrowerLayout.CommandLink} (if it points into {GrowerLayout.BuildsFolder}), rm -rf {GrowerLayout.BuildsFolder}")],
            s => s.Builds.IsEmpty && !s.CommandLinkIsOurs, $"{GrowerLayout.BuildsFolder} holds no build and {GrowerLayout.CommandLink} points to none"));
        return steps;
    }

    /// <summary>Shell that deletes the lines respawning the launcher from <paramref name="inittab"/>, every other line kept
    /// as it was; the file is replaced by a rename, with its mode and owner, so init never reads half of it.</summary>
    internal static string RemoveInittabLines(GrowerLayout layout, string inittab)
    {
        var file = ShellQuote.Quote(inittab);
        var edited = ShellQuote.Quote(inittab + ".new");
        return $"cp -p {file} {edited} && {GrowerInstallState.InittabAwk(layout, "!LAUNCHER_LINE")} {file} > {edited} && mv {edited} {file}";
    }

    /// <summary>
    /// SIGTERM, then wait: the grower finishes a grow under way before it exits. Never SIGKILL: a grow cut off between
    /// the LV and its filesystem is repaired by the grower's next start, and after an uninstall there is none. Looked
    /// for again after a second: had init not yet read its new inittab when the grower exited, it started it again.
    /// </summary>
    internal static string StopGrowers(GrowerLayout layout)
    {
        var pattern = GrowerInstallState.GrowerPattern(layout);
        return GrowerInstallState.TermAndWaitFunction + "\n" + $$"""
            round=0
            while pids=$(pgrep -f {{pattern}}); do
              round=$((round + 1))
              if [ $round -gt 5 ]; then echo "the grower of {{layout.PolicyPath}} keeps being started again (pids $pids): something other than init's respawn line starts it; look at what runs {{layout.LauncherPath}}" >&2; exit 1; fi
              if ! term_and_wait "$pids" {{StopWaitSeconds}}; then
                echo "the grower of {{layout.PolicyPath}} (pid$alive) still runs {{StopWaitSeconds}} s after SIGTERM: a grow may be under way. Not killed (nothing would repair a grow cut off half-way); run the uninstall again later. The end of {{layout.LogPath}}:" >&2
                tail -n 5 {{layout.LogPath}} >&2 2>/dev/null
                exit 1
              fi
              sleep 1
            done
            exit 0
            """;
    }

    private static ImmutableArray<string> Kept(GrowerLayout layout, InstalledFiles files, GrowerInstallState before, GrowerInstallState after)
    {
        var kept = ImmutableArray.CreateBuilder<string>();
        if (after.HistoryChanged is not null)
            kept.Add($"{files.History}: the history of every sample and action (runbook plot draws it)");
        if (after.LogChanged is not null)
            kept.Add($"{layout.LogPath}: the grower's log");
        if (before.PolicySha256 is not null || before.LauncherSha256 is not null)
            kept.Add($"{FileBackup.Folder}/: the removed policy and launcher, as *.removed");
        var others = after.OtherPolicies(layout);
        if (!others.IsEmpty && (!after.Builds.IsEmpty || after.CommandLinkIsOurs))
            kept.Add($"{GrowerLayout.BuildsFolder} and {GrowerLayout.CommandLink}: the growers of {string.Join(", ", others)} (policies in {GrowerLayout.PoliciesFolder}) run that build");
        return kept.ToImmutable();
    }
}
