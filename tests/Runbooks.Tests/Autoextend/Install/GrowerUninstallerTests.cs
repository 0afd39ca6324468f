using System.Diagnostics;
using System.Runtime.Versioning;
using Runbooks.Autoextend.Install;
using Runbooks.Checks;
using Runbooks.Hosts;

namespace Runbooks.Tests.Autoextend.Install;

/// <summary>
/// The uninstaller's plan over data/captures/autoextend/install-state-busybox.txt (the busybox twin with the grower
/// installed and running) and states derived from it; its shell edits run here, on temporary files.
/// </summary>
// The shell edits keep Unix file modes.
[UnsupportedOSPlatform("windows")]
public sealed class GrowerUninstallerTests : IDisposable
{
    private static readonly GrowerLayout Layout = new("vg0", "data0");

    private static readonly GrowerUninstaller.InstalledFiles Files = GrowerUninstaller.FilesFromPolicy(Layout, "");

    private static readonly string[] BusyboxSteps = ["remove-respawn-line", "stop-grower", "remove-launcher", "remove-metrics", "remove-policy", "remove-build"];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Capture() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "captures", "autoextend", "install-state-busybox.txt"));

    /// <summary>The capture with each key's line replaced (a key "grower" with value null drops every grower line).</summary>
    private static string Output(params (string Key, string? Value)[] changes)
    {
        var lines = Capture().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var (key, value) in changes)
        {
            var at = lines.FindIndex(l => l.StartsWith(key + "=", StringComparison.Ordinal));
            lines.RemoveAll(l => l.StartsWith(key + "=", StringComparison.Ordinal));
            if (value is not null)
                lines.Insert(at < 0 ? lines.Count : at, $"{key}={value}");
        }
        return string.Join('\n', lines);
    }

    private static GrowerInstallState Installed() => GrowerInstallState.Parse(Capture());

    /// <summary>The twin after an uninstall: what a second run reads.</summary>
    private static GrowerInstallState Removed(string policies = "") => GrowerInstallState.Parse(Output(
        ("link", "-"), ("policy", "- -"), ("launcher", "- -"), ("inittab", "0"), ("metrics", "-"), ("builds", ""), ("policies", policies), ("grower", null)));

    private static FixStep<GrowerInstallState> Step(IEnumerable<FixStep<GrowerInstallState>> plan, string id) => plan.Single(s => s.Id == id);

    [Fact]
    public void On_the_busybox_capture_every_step_is_needed_and_init_lets_go_before_the_grower_is_stopped()
    {
        var state = Installed();

        var plan = GrowerUninstaller.Plan(Layout, Files, state.Supervisor);

        Assert.Equal(BusyboxSteps, plan.Select(s => s.Id));
        Assert.All(plan, s => Assert.True(s.Precondition(state), $"{s.Id} is not needed on the installed twin"));
        Assert.All(plan, s => Assert.False(s.Verification(state), $"{s.Id} is verified before it ran"));
    }

    [Fact]
    public void After_an_uninstall_no_step_is_needed_and_every_one_is_verified()
    {
        var state = Removed();

        var plan = GrowerUninstaller.Plan(Layout, Files, Supervisor.BusyboxInittab);

        Assert.All(plan, s => Assert.False(s.Precondition(state), $"{s.Id} would run again"));
        Assert.All(plan, s => Assert.True(s.Verification(state), $"{s.Id} is not verified on the uninstalled state"));
    }

    [Fact]
    public async Task Nothing_installed_changes_nothing_and_says_so()
    {
        await using var host = new CannedHost(policy: "", state: Output(
            ("link", "-"), ("policy", "- -"), ("launcher", "- -"), ("inittab", "0"), ("metrics", "-"), ("history", "-"), ("log", "-"), ("builds", ""), ("policies", ""), ("grower", null)));

        var outcome = await GrowerUninstaller.UninstallAsync(host, "vg0", "data0", checkMode: false);

        Assert.True(outcome.NothingInstalled);
        Assert.Equal(0, outcome.Report.Changed);
        Assert.All(outcome.Report.Steps, s => Assert.Equal(StepStatus.Ok, s.Status));
        Assert.Empty(outcome.Kept);
        Assert.DoesNotContain(host.Commands, c => c.Contains("rm ", StringComparison.Ordinal) || c.Contains("kill", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_mode_on_the_installed_twin_would_change_every_step_and_runs_only_reads()
    {
        await using var host = new CannedHost(policy: "", state: Capture());

        var outcome = await GrowerUninstaller.UninstallAsync(host, "vg0", "data0", checkMode: true);

        Assert.False(outcome.NothingInstalled);
        Assert.Equal(BusyboxSteps, outcome.Report.Steps.Select(s => s.Id));
        Assert.All(outcome.Report.Steps, s => Assert.Equal(StepStatus.WouldChange, s.Status));
        // The policy read and one state read: nothing that changes the machine.
        Assert.Equal(2, host.Commands.Count);
    }

    [Fact]
    public void Another_volume_with_a_policy_keeps_the_shared_build_and_the_outcome_says_why()
    {
        var shared = GrowerInstallState.Parse(Output(("policies", "vg0-data0 vg1-logs")));
        var alone = GrowerInstallState.Parse(Output(("policies", "vg0-data0")));
        // A run cut off after the policy's removal: the build is still there, and no policy at all.
        var cutOff = Removed() with { Builds = ["d94434bcca3a"] };

        var build = Step(GrowerUninstaller.Plan(Layout, Files, Supervisor.BusyboxInittab), "remove-build");

        Assert.Equal(["vg1-logs"], shared.OtherPolicies(Layout).ToArray());
        Assert.False(build.Precondition(shared));
        Assert.True(build.Precondition(alone));
        Assert.True(build.Precondition(cutOff));
    }

    [Fact]
    public async Task The_outcome_names_what_is_kept_and_why()
    {
        await using var host = new CannedHost(policy: "", state: Output(("policies", "vg0-data0 vg1-logs")));

        var outcome = await GrowerUninstaller.UninstallAsync(host, "vg0", "data0", checkMode: true);

        Assert.Contains(outcome.Kept, k => k.StartsWith("/var/lib/runbook/autoextend/vg0-data0.csv: ", StringComparison.Ordinal));
        Assert.Contains(outcome.Kept, k => k.StartsWith("/var/log/runbook-autoextend-vg0-data0.log: ", StringComparison.Ordinal));
        Assert.Contains(outcome.Kept, k => k.StartsWith("/opt/runbook and /usr/local/bin/runbook: ", StringComparison.Ordinal) && k.Contains("vg1-logs", StringComparison.Ordinal));
        Assert.Equal(StepStatus.Ok, outcome.Report.Steps.Single(s => s.Id == "remove-build").Status);
    }

    [Fact]
    public void A_command_link_to_something_else_is_not_ours_to_remove()
    {
        var elsewhere = Removed() with { CommandLinkTarget = "/usr/lib/runbook/runbook" };
        var ours = Removed() with { CommandLinkTarget = "/opt/runbook/d94434bcca3a/runbook" };

        var build = Step(GrowerUninstaller.Plan(Layout, Files, Supervisor.BusyboxInittab), "remove-build");

        Assert.False(build.Precondition(elsewhere));
        Assert.True(build.Verification(elsewhere));
        Assert.True(build.Precondition(ours));
    }

    [Fact]
    public void Systemd_disables_the_unit_first_and_a_machine_without_a_supervisor_starts_by_stopping_the_grower()
    {
        var systemd = GrowerUninstaller.Plan(Layout, Files, Supervisor.Systemd);
        var none = GrowerUninstaller.Plan(Layout, Files, Supervisor.None);
        var enabled = Installed() with { Supervisor = Supervisor.Systemd, InittabLines = 0, UnitSha256 = new string('a', 64), UnitEnabled = true };
        var linkOnly = enabled with { UnitSha256 = null };

        Assert.Equal(["disable-unit", .. BusyboxSteps.Skip(1)], systemd.Select(s => s.Id));
        Assert.Equal(BusyboxSteps.Skip(1), none.Select(s => s.Id));
        var disable = systemd[0];
        Assert.True(disable.Precondition(enabled));
        Assert.True(disable.Precondition(linkOnly));
        Assert.False(disable.Verification(linkOnly));
        Assert.True(disable.Verification(enabled with { UnitSha256 = null, UnitEnabled = false }));
        Assert.Contains("systemctl disable --now runbook-autoextend-vg0-data0.service", disable.Commands[0].ShellLine, StringComparison.Ordinal);
    }

    [Fact]
    public void The_history_and_metrics_the_installed_policy_names_are_the_ones_looked_at()
    {
        var named = GrowerUninstaller.FilesFromPolicy(Layout, """{ "volume": "vg0/data0", "historyPath": "/srv/grow.csv", "metricsPath": "/srv/node/grow.prom" }""");
        var broken = GrowerUninstaller.FilesFromPolicy(Layout, "{ not json");

        Assert.Equal(("/srv/grow.csv", "/srv/node/grow.prom"), (named.History, named.Metrics));
        Assert.Equal((Layout.HistoryPath, Layout.MetricsPath), (Files.History, Files.Metrics));
        Assert.Equal((Layout.HistoryPath, Layout.MetricsPath), (broken.History, broken.Metrics));
        Assert.Contains("does not read as a policy", broken.Source, StringComparison.Ordinal);
        var metrics = Step(GrowerUninstaller.Plan(Layout, named, Supervisor.BusyboxInittab), "remove-metrics");
        Assert.Equal("rm -f '/srv/node/grow.prom'", metrics.Commands[0].ShellLine);
    }

    [Fact]
    public async Task A_malformed_volume_is_refused_before_anything_runs()
    {
        await using var host = new CannedHost("", "");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => GrowerUninstaller.UninstallAsync(host, "vg0", "data/0", checkMode: true));

        Assert.Contains("is not VG/LV", error.Message, StringComparison.Ordinal);
        Assert.Empty(host.Commands);
    }

    [Fact]
    public void Every_command_of_the_plan_is_valid_shell()
    {
        foreach (var supervisor in new[] { Supervisor.Systemd, Supervisor.BusyboxInittab })
            foreach (var step in GrowerUninstaller.Plan(Layout, Files, supervisor))
                foreach (var command in step.Commands)
                {
                    var (exitCode, errors) = ShellSyntax.Check(command.ShellLine!);
                    Assert.True(exitCode == 0, $"{step.Id}: sh -n: {errors}");
                }
    }

    // The inittab the busybox twin has, with our line, a sysvinit form of it, and lines that only look like it.
    private const string Inittab = """
        ::sysinit:/etc/init.d/rcS
        ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
        ::respawn:/usr/local/sbin/runbook-autoextend-vg0-data0
        #::respawn:/usr/local/sbin/runbook-autoextend-vg0-data0
        ::respawn:/usr/local/sbin/runbook-autoextend-vg0-data01
        r1a2:2345:respawn:/usr/local/sbin/runbook-autoextend-vg0-data0
        ::respawn:/usr/local/sbin/runbook-autoextend-vg0-data0 --verbose
        ::shutdown:/bin/umount -a -r

        """;

    private async Task<string> RunAsync(string script)
    {
        var result = await new LocalHost().RunAsync(HostCommand.Shell(script));
        return result.StandardOutput.Trim();
    }

    private Task<string> CountAsync(GrowerLayout layout, string path) =>
        RunAsync($"{GrowerInstallState.InittabAwk(layout, "LAUNCHER_LINE { n++ } END { print n + 0 }")} {ShellQuote.Quote(path)}");

    [Fact]
    public async Task Removing_the_respawn_line_deletes_exactly_the_lines_counted_and_keeps_the_rest_and_the_mode()
    {
        var path = _temp.File("inittab", Inittab);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal("2", await CountAsync(Layout, path));
        await RunAsync(GrowerUninstaller.RemoveInittabLines(Layout, path));

        Assert.Equal("0", await CountAsync(Layout, path));
        string[] ours = ["::respawn:/usr/local/sbin/runbook-autoextend-vg0-data0", "r1a2:2345:respawn:/usr/local/sbin/runbook-autoextend-vg0-data0"];
        Assert.Equal(string.Concat(Inittab.Split('\n').SkipLast(1).Where(l => !ours.Contains(l)).Select(l => l + "\n")), File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.False(File.Exists(path + ".new"));

        await RunAsync(GrowerUninstaller.RemoveInittabLines(Layout, path));
        Assert.Equal(6, File.ReadAllLines(path).Length);
    }

    [Fact]
    public async Task Volume_names_with_regex_characters_match_only_themselves()
    {
        var layout = new GrowerLayout("vg.0", "data+1");
        var path = _temp.File("inittab", "::respawn:/usr/local/sbin/runbook-autoextend-vg.0-data+1\n::respawn:/usr/local/sbin/runbook-autoextend-vgx0-dataa1\n");

        Assert.Equal("1", await CountAsync(layout, path));
        await RunAsync(GrowerUninstaller.RemoveInittabLines(layout, path));

        Assert.Equal("::respawn:/usr/local/sbin/runbook-autoextend-vgx0-dataa1\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Stopping_waits_for_a_grow_under_way_to_finish_and_never_kills()
    {
        // A stand-in grower of a volume no real one has: on SIGTERM it "finishes its grow" (1.5 s), notes it, and exits.
        var layout = new GrowerLayout("vgtest" + Environment.ProcessId, "lv" + Guid.NewGuid().ToString("N")[..8]);
        var finished = _temp.Combine("finished");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
        foreach (var argument in new[] { "-c", $"trap 'sleep 1.5; touch {finished}; exit 0' TERM; echo ready; while :; do sleep 0.1; done", $"autoextend --policy {layout.PolicyPath}" })
            start.ArgumentList.Add(argument);
        using var grower = Process.Start(start)!;
        try
        {
            Assert.Equal("ready", await grower.StandardOutput.ReadLineAsync());
            var stopwatch = Stopwatch.StartNew();

            var result = await new LocalHost().RunAsync(HostCommand.Shell(GrowerUninstaller.StopGrowers(layout)).WithTimeout(TimeSpan.FromMinutes(1)));

            Assert.Equal(0, result.ExitCode);
            Assert.True(grower.WaitForExit(TimeSpan.FromSeconds(5)), "the stand-in grower still runs");
            Assert.True(File.Exists(finished), "the grower was killed before it finished");
            Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1.5), $"returned after {stopwatch.Elapsed}, before the grower finished");
        }
        finally
        {
            if (!grower.HasExited)
                grower.Kill();
        }
    }

    /// <summary>Answers the policy read with <c>policy</c> and every state read with <c>state</c>; records what it ran.</summary>
    private sealed class CannedHost(string policy, string state) : IHost
    {
        public List<string> Commands { get; } = [];

        public string Name => "canned";

        public Task<CommandResult> RunAsync(HostCommand command, CancellationToken cancellationToken = default)
        {
            Commands.Add(command.CommandLine);
            var output = command.Description?.StartsWith("read ", StringComparison.Ordinal) == true ? policy
                : command.Description?.StartsWith("the grower's installation", StringComparison.Ordinal) == true ? state
                : throw new InvalidOperationException($"the canned host was asked to change something: {command}");
            return Task.FromResult(new CommandResult(Name, command.CommandLine, 0, output, "", DateTimeOffset.UnixEpoch, TimeSpan.Zero));
        }

        public Task UploadAsync(string localFile, string remotePath, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException($"the canned host was asked to copy {localFile} to {remotePath}");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
