using System.Collections.Immutable;
using Runbooks.Autoextend.Policy;
using Runbooks.Checks;
using Runbooks.Hosts;

namespace Runbooks.Autoextend.Install;

/// <summary>The installation cannot start: nothing was changed. The message names the cause and what to do.</summary>
public sealed class GrowerInstallBlockedException(string message) : Exception(message);

/// <summary>What installing did (or would do, in check mode), with the machine's state before and after.</summary>
public sealed record GrowerInstallOutcome(FixReport Report, GrowerInstallState Before, GrowerInstallState After, string Version);

/// <summary>
/// Installs the grower of one volume on a machine and keeps it running there (docs/autoextend-install.md): the
/// self-contained build copied over the host's connection into its own version folder, `runbook` linked to it,
/// the policy file, a launcher, and the machine's supervisor told to keep the launcher running (an inittab respawn
/// line on a box without systemd, a unit on one with it). Each step runs only while needed and is verified on the
/// state read again, so a second run changes nothing and <c>checkMode</c> changes nothing at all.
/// </summary>
public static class GrowerInstaller
{
    private const string Host = "machine";

    /// <summary>The policy as installed: the history and metrics go to the layout's files unless it names others.</summary>
    public static AutoextendPolicy PolicyFor(AutoextendPolicy policy, GrowerLayout layout) => policy with
    {
        HistoryPath = policy.HistoryPath ?? layout.HistoryPath,
        MetricsPath = policy.MetricsPath ?? layout.MetricsPath,
    };

    /// <exception cref="GrowerInstallBlockedException">Nothing would keep the grower running, the machine is not
    /// x86_64, or there is no room for the build: before any change.</exception>
    public static async Task<GrowerInstallOutcome> InstallAsync(IHost host, GrowerBuild build, AutoextendPolicy policy, bool checkMode,
        Action<StepResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var layout = new GrowerLayout(policy.VolumeGroup, policy.LogicalVolume);
        var installed = PolicyFor(policy, layout);
        async Task<GrowerInstallState> CaptureAsync(CancellationToken token) =>
            GrowerInstallState.Parse((await host.RunAsync(GrowerInstallState.Command(layout, build.Version, installed.MetricsPath!, installed.HistoryPath!), token).ConfigureAwait(false)).StandardOutput);

        var before = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        Block(host.Name, before, build);
        // Packing is ~25 MiB of gzip: done only when the copy can run. copy-build is the first step, so its
        // precondition reads this same state, and a build already there is never sent.
        var archive = before.BuildPresent || checkMode ? null : Path.Combine(Path.GetTempPath(), $"runbook-build-{build.Version}-{Guid.NewGuid():N}.tar.gz");
        try
        {
            if (archive is not null)
                build.PackTo(archive);
            var steps = Plan(layout, build, installed, before, archive ?? $"runbook-build-{build.Version}.tar.gz");
            var (report, after) = await PlanRunner.RunAsync(steps, new Dictionary<string, IHost> { [Host] = host }, before, CaptureAsync, checkMode, progress, cancellationToken).ConfigureAwait(false);
            return new GrowerInstallOutcome(report, before, after, build.Version);
        }
        finally
        {
            if (archive is not null)
                File.Delete(archive);
        }
    }

    private static void Block(string hostName, GrowerInstallState state, GrowerBuild build)
    {
        if (state.Supervisor == Supervisor.None)
            throw new GrowerInstallBlockedException(
                $"{hostName} has neither systemd (/run/systemd/system) nor {GrowerLayout.InittabPath}: nothing there would restart the grower if it stopped. " +
                "Nothing was changed. Run `runbook autoextend --policy FILE` under the supervisor the machine has (its service manager, or the script that starts its services), or from outside with --profile.");
        if (state.Architecture != "x86_64")
            throw new GrowerInstallBlockedException($"{hostName} is {state.Architecture}; the machine build is linux-x64. Nothing was changed. Publish one for its architecture (dotnet publish lib/Runbooks.Machine -r linux-arm64 …) or run the grower from outside with --profile.");
        // Room for the unpacked build and the folder it is unpacked into before the rename.
        var needed = build.Bytes + (64L << 20);
        if (!state.BuildPresent && state.BuildsFolderAvailable < needed)
            throw new GrowerInstallBlockedException(
                $"{hostName} has {state.BuildsFolderAvailable >> 20} MiB free on the filesystem of {GrowerLayout.BuildsFolder}; the build needs {needed >> 20} MiB. Nothing was changed. Free space there first (the storage runbook's findings name what holds it).");
    }

    private static List<FixStep<GrowerInstallState>> Plan(GrowerLayout layout, GrowerBuild build, AutoextendPolicy policy, GrowerInstallState before, string archive)
    {
        var supervisor = before.Supervisor;
        var policyJson = PolicyLoader.ToJson(policy);
        var version = build.Version;
        var folder = GrowerLayout.BuildFolder(version);
        // Beside the builds folder, which may not exist yet; /opt does on any Debian. The unpacking removes it.
        var uploaded = $"{GrowerLayout.BuildsFolder}.incoming-{version}.tar.gz";
        var launcher = layout.Launcher();
        var steps = new List<FixStep<GrowerInstallState>>
        {
            new("copy-build", Host, $"copy the runbook build {version} ({build.Bytes >> 20} MiB, self-contained) to {folder}",
                "the machine has no .NET: the grower runs from a self-contained build",
                s => !s.BuildPresent,
                [HostCommand.Shell($"set -e; trap 'rm -f {uploaded}' EXIT; rm -rf {folder}.incoming; mkdir -p {folder}.incoming; tar -xzf {uploaded} -C {folder}.incoming; rm -f {uploaded}; " +
                        $"{folder}.incoming/runbook --help > /dev/null; touch {folder}.incoming/.complete; rm -rf {folder}; mv {folder}.incoming {folder}")
                    .WithTimeout(TimeSpan.FromMinutes(10))
                    .WithDescription($"unpack the build into {folder}, check that it starts")],
                s => s.BuildPresent, $"{folder}/runbook is there and complete",
                Uploads: [new StepUpload(archive, uploaded, $"copy the build ({build.Bytes >> 20} MiB, gzip'd tar) to {uploaded} (SFTP)")]),
            new("link-command", Host, $"link {GrowerLayout.CommandLink} to {folder}/runbook", "so `runbook autoextend` on the machine is this build",
                s => s.CommandLinkTarget != $"{folder}/runbook",
                [HostCommand.Shell($"mkdir -p {Path.GetDirectoryName(GrowerLayout.CommandLink)} && ln -sfn {folder}/runbook {GrowerLayout.CommandLink}")],
                s => s.CommandLinkTarget == $"{folder}/runbook", $"{GrowerLayout.CommandLink} points to {folder}/runbook"),
            WriteFile("write-policy", layout.PolicyPath, policyJson, "0644", "the grower's policy, as validated here", s => s.PolicySha256),
            WriteFile("write-launcher", layout.LauncherPath, launcher, "0755", $"what the supervisor starts; the grower's output goes to {layout.LogPath}", s => s.LauncherSha256),
        };
        steps.Add(supervisor switch
        {
            Supervisor.Systemd => new("enable-unit", Host, $"install and enable {layout.UnitName}", "systemd restarts the grower if it stops, and starts it at boot",
                s => s.UnitSha256 != GrowerInstallState.Sha256(layout.Unit()) || !s.UnitEnabled,
                [WriteCommand(layout.UnitPath, layout.Unit(), "0644"), HostCommand.Shell($"systemctl daemon-reload && systemctl enable {layout.UnitName}")],
                s => s.UnitSha256 == GrowerInstallState.Sha256(layout.Unit()) && s.UnitEnabled, $"{layout.UnitName} is installed and enabled"),
            _ => new("add-respawn-line", Host, $"add `{layout.InittabLine(supervisor)}` to {GrowerLayout.InittabPath}, and have init read it",
                "init restarts the grower if it stops, and starts it at boot (the machine has no systemd)",
                s => s.InittabLines == 0,
                [HostCommand.Shell($"set -e; {FileBackup.Shell(GrowerLayout.InittabPath)}printf '%s\\n' {Hosts.ShellQuote.Quote(layout.InittabLine(supervisor))} >> {GrowerLayout.InittabPath} && kill -HUP 1")
                    .WithDescription($"append the respawn line to {GrowerLayout.InittabPath} (original kept under {FileBackup.Folder}), kill -HUP 1")],
                s => s.InittabLines == 1, $"{GrowerLayout.InittabPath} has the respawn line once"),
        });
        var pattern = GrowerInstallState.GrowerPattern(layout);
        var restart = supervisor == Supervisor.Systemd
            ? $"systemctl restart {layout.UnitName}"
            // init starts the launcher again once the old grower is gone; a grow under way is finished first.
            : GrowerInstallState.TermAndWaitFunction + $"\nold=$(pgrep -f {pattern}); [ -z \"$old\" ] || term_and_wait \"$old\" 60 || true";
        steps.Add(new("restart-grower", Host, $"restart the grower on {version}",
            "no grower runs this build with this policy: an older build, a grower started before its policy or launcher changed, or none at all",
            s => !s.Current(version).Any(),
            [HostCommand.Shell(restart).WithTimeout(TimeSpan.FromMinutes(2)).WithDescription(supervisor == Supervisor.Systemd ? restart : $"pkill -TERM the growers of {layout.PolicyPath}; init starts the launcher again")],
            s => s.Growers.All(g => s.Current(version).Contains(g)), $"every grower of {layout.PolicyPath} runs {folder}/runbook, started after its policy changed"));
        steps.Add(new("wait-for-grower", Host, $"wait until the grower on {version} has taken its first sample",
            "past its start: the volume read, the lock taken, the metrics written; a bad policy or a second grower would have stopped it",
            s => !s.Running(version),
            [HostCommand.Shell(WaitForGrower(layout, version, policy.MetricsPath!)).WithTimeout(TimeSpan.FromMinutes(3))
                .WithDescription($"wait for the grower on {version} to write {policy.MetricsPath} (else show the end of {layout.LogPath})")],
            s => s.Running(version), $"a grower runs {folder}/runbook and has written its metrics since it started"));
        // Kept until the new build runs: the one before it is what a grower still ran until the restart.
        steps.Add(new("remove-old-builds", Host, $"remove the builds other than {version} from {GrowerLayout.BuildsFolder}",
            "a machine upgraded often would fill up with them; none is in use once the grower runs this one",
            s => s.Builds.Any(b => b != version) && s.Growers.All(g => g.Executable.StartsWith(folder + "/", StringComparison.Ordinal)),
            [HostCommand.Shell($"cd {GrowerLayout.BuildsFolder} && for d in */; do [ \"$d\" = {version}/ ] || rm -rf \"$d\"; done")
                .WithDescription($"rm -rf every folder in {GrowerLayout.BuildsFolder} but {version}")],
            s => s.Builds.All(b => b == version), $"{GrowerLayout.BuildsFolder} holds {version} only"));
        return steps;
    }

    private static FixStep<GrowerInstallState> WriteFile(string id, string path, string content, string mode, string why, Func<GrowerInstallState, string?> current)
    {
        var sum = GrowerInstallState.Sha256(content);
        return new(id, Host, $"write {path}", why, s => current(s) != sum, [WriteCommand(path, content, mode)], s => current(s) == sum, $"{path} has the content written");
    }

    /// <summary>Written beside, then renamed: a reader never sees half a file. The original is kept under the backup folder.</summary>
    private static HostCommand WriteCommand(string path, string content, string mode) =>
        HostCommand.Shell($"set -e; mkdir -p {Path.GetDirectoryName(path)}; [ ! -e {path} ] || {FileBackup.Shell(path)} cat > {path}.new; chmod {mode} {path}.new; mv {path}.new {path}")
            .WithStandardInput(content).WithDescription($"write {path} (mode {mode}; an original is kept under {FileBackup.Folder})");

    private static string WaitForGrower(GrowerLayout layout, string version, string metricsPath)
    {
        var exe = $"{GrowerLayout.BuildFolder(version)}/runbook";
        var metrics = Hosts.ShellQuote.Quote(metricsPath);
        return GrowerInstallState.GrowersFunction + "\n" + $$"""
            i=0
            while [ $i -lt 240 ]; do
              written=$(stat -c %Y {{metrics}} 2>/dev/null || echo 0)
              growers {{GrowerInstallState.GrowerPattern(layout)}} | awk -v exe={{exe}} -v written="$written" '$3 == exe && written >= $2 { found = 1 } END { exit !found }' && exit 0
              sleep 0.5; i=$((i + 1))
            done
            echo "no grower on {{version}} wrote {{metricsPath}} within 2 minutes of starting; the end of {{layout.LogPath}}:" >&2
            tail -n 20 {{layout.LogPath}} >&2
            exit 1
            """;
    }
}
