using System.Diagnostics;
using System.Text.RegularExpressions;
using Runbooks.Autoextend.Install;

namespace Runbooks.Tests.Autoextend.Install;

/// <summary>
/// The installer's view of a machine, over data/captures/autoextend/install-state-busybox.txt: the output of
/// <see cref="GrowerInstallState.Command"/> on the busybox twin with the grower installed and running.
/// </summary>
public sealed class GrowerInstallStateTests
{
    private const string Version = "115f66cde9f8";

    private static readonly GrowerLayout Layout = new("vg0", "data0");

    private static string Capture() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "captures", "autoextend", "install-state-busybox.txt"));

    private static DateTimeOffset Epoch(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    /// <summary>The capture with the line starting with <paramref name="key"/>= replaced (null: removed).</summary>
    private static string WithLine(string key, string? replacement) => string.Join('\n', Capture()
        .Split('\n')
        .Select(line => line.StartsWith(key + "=", StringComparison.Ordinal) ? replacement : line)
        .Where(line => line is not null));

    [Fact]
    public void The_busybox_capture_reads_as_an_installed_and_running_grower()
    {
        var state = GrowerInstallState.Parse(Capture());

        Assert.Equal(Supervisor.BusyboxInittab, state.Supervisor);
        Assert.Equal("x86_64", state.Architecture);
        Assert.True(state.BuildPresent);
        Assert.Equal("/opt/runbook/115f66cde9f8/runbook", state.CommandLinkTarget);
        Assert.Equal("10194487a4a26fb7c7833acce0817740f7ef535e14aebae160e8e7e66cc2d64f", state.PolicySha256);
        Assert.Equal(Epoch(1795349993), state.PolicyChanged);
        Assert.Equal("5979b27c1dd444d263d4e2ec355e2635f4acb9d42ab5fc4cceb38310adf35ffb", state.LauncherSha256);
        Assert.Equal(Epoch(1795349995), state.LauncherChanged);
        Assert.Equal(1, state.InittabLines);
        Assert.Null(state.UnitSha256);
        Assert.False(state.UnitEnabled);
        Assert.Equal(Epoch(1795350011), state.MetricsChanged);
        Assert.Equal(Epoch(1795350022), state.HistoryChanged);
        Assert.Equal(Epoch(1795350010), state.LogChanged);
        Assert.Equal(["vg0-data0"], state.Policies.ToArray());
        Assert.Equal([Version], state.Builds.ToArray());
        Assert.Equal(3922948096L, state.BuildsFolderAvailable);
        var grower = Assert.Single(state.Growers);
        Assert.Equal(1971, grower.Pid);
        Assert.Equal("/opt/runbook/115f66cde9f8/runbook", grower.Executable);
        Assert.Equal(Epoch(1795349998), grower.Started);
        Assert.Equal(Epoch(1795350024), state.Now);
    }

    [Fact]
    public void The_grower_of_the_captured_version_is_current_and_running()
    {
        var state = GrowerInstallState.Parse(Capture());

        Assert.Equal(state.Growers, state.Current(Version));
        Assert.True(state.Running(Version));
    }

    [Fact]
    public void A_grower_of_another_version_is_neither_current_nor_running()
    {
        var state = GrowerInstallState.Parse(Capture());

        Assert.Empty(state.Current("0123456789ab"));
        Assert.False(state.Running("0123456789ab"));
    }

    [Fact]
    public void A_policy_changed_after_the_grower_started_leaves_no_current_grower()
    {
        var state = GrowerInstallState.Parse(Capture());
        var changed = state with { PolicyChanged = state.Growers[0].Started.AddSeconds(1) };

        Assert.Empty(changed.Current(Version));
        Assert.False(changed.Running(Version));
    }

    [Fact]
    public void A_launcher_changed_after_the_grower_started_leaves_no_current_grower()
    {
        var state = GrowerInstallState.Parse(Capture());
        var changed = state with { LauncherChanged = state.Growers[0].Started.AddSeconds(1) };

        Assert.Empty(changed.Current(Version));
    }

    [Fact]
    public void A_grower_that_has_not_written_metrics_since_it_started_is_not_running()
    {
        var state = GrowerInstallState.Parse(Capture());
        var stale = state with { MetricsChanged = state.Growers[0].Started.AddSeconds(-1) };
        var none = state with { MetricsChanged = null };

        Assert.Single(stale.Current(Version));
        Assert.False(stale.Running(Version));
        Assert.False(none.Running(Version));
    }

    [Theory]
    [InlineData("systemd", Supervisor.Systemd)]
    [InlineData("sysv", Supervisor.SysvInittab)]
    [InlineData("none", Supervisor.None)]
    [InlineData("busybox", Supervisor.BusyboxInittab)]
    public void Every_supervisor_word_parses(string word, Supervisor expected)
    {
        var state = GrowerInstallState.Parse(WithLine("supervisor", "supervisor=" + word));

        Assert.Equal(expected, state.Supervisor);
    }

    [Fact]
    public void An_enabled_unit_and_missing_files_read_as_such()
    {
        var output = WithLine("unit", "unit=" + new string('a', 64) + " enabled");
        output = output.Replace("policy=10194487a4a26fb7c7833acce0817740f7ef535e14aebae160e8e7e66cc2d64f 1795349993", "policy=- -", StringComparison.Ordinal);
        output = output.Replace("link=/opt/runbook/115f66cde9f8/runbook", "link=-", StringComparison.Ordinal);
        output = output.Replace("inittab=1", "inittab=0", StringComparison.Ordinal);
        output = output.Replace("builds=115f66cde9f8", "builds=", StringComparison.Ordinal);

        var state = GrowerInstallState.Parse(output);

        Assert.Equal(new string('a', 64), state.UnitSha256);
        Assert.True(state.UnitEnabled);
        Assert.Null(state.PolicySha256);
        Assert.Null(state.PolicyChanged);
        Assert.Null(state.CommandLinkTarget);
        Assert.Equal(0, state.InittabLines);
        Assert.Empty(state.Builds);
    }

    [Fact]
    public void An_unknown_supervisor_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => GrowerInstallState.Parse(WithLine("supervisor", "supervisor=openrc")));

        Assert.Contains("unknown supervisor \"openrc\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_line_is_named()
    {
        var error = Assert.Throws<FormatException>(() => GrowerInstallState.Parse(WithLine("arch", null)));

        Assert.Contains("no \"arch=\" line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_without_an_equals_sign_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => GrowerInstallState.Parse(Capture() + "\nbash: pgrep: command not found\n"));

        Assert.Contains("line without key=value", error.Message, StringComparison.Ordinal);
        Assert.Contains("pgrep: command not found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grower=1971 1795349998")]
    [InlineData("grower=abc 1795349998 /opt/runbook/115f66cde9f8/runbook")]
    [InlineData("grower=1971 yesterday /opt/runbook/115f66cde9f8/runbook")]
    public void A_malformed_grower_line_is_refused(string line)
    {
        var error = Assert.Throws<FormatException>(() => GrowerInstallState.Parse(WithLine("grower", line)));

        Assert.Contains("is not \"pid start-epoch executable\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(line, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_looks_for_the_growers_of_the_volume_with_a_pattern_that_cannot_match_itself()
    {
        var command = GrowerInstallState.Command(Layout, Version, "/var/lib/runbook/autoextend/vg0-data0.prom", "/var/lib/runbook/autoextend/vg0-data0.csv");
        var line = command.ShellLine;

        Assert.NotNull(line);
        Assert.Contains("[a]utoextend --policy /etc/runbook/autoextend/vg0-data0.json", line, StringComparison.Ordinal);
        Assert.Contains("/opt/runbook/115f66cde9f8/runbook", line, StringComparison.Ordinal);
        Assert.Contains("/var/lib/runbook/autoextend/vg0-data0.prom", line, StringComparison.Ordinal);
        Assert.NotNull(command.Timeout);
        Assert.True(command.Timeout > TimeSpan.Zero);

        // pgrep -f reads the pattern as a regular expression: it finds the launcher's grower, not this script.
        var pattern = new Regex(@"[a]utoextend --policy /etc/runbook/autoextend/vg0-data0\.json");
        Assert.Matches(pattern, "/opt/runbook/115f66cde9f8/runbook autoextend --policy /etc/runbook/autoextend/vg0-data0.json");
        Assert.DoesNotMatch(pattern, line);
    }

    [Fact]
    public void The_command_names_another_volume_and_version_in_its_own_paths()
    {
        var line = GrowerInstallState.Command(new GrowerLayout("vg1", "logs"), "0123456789ab", "/srv/metrics.prom", "/srv/history.csv").ShellLine!;

        Assert.Contains("[a]utoextend --policy /etc/runbook/autoextend/vg1-logs.json", line, StringComparison.Ordinal);
        Assert.Contains("/opt/runbook/0123456789ab/runbook", line, StringComparison.Ordinal);
        Assert.Contains("/srv/metrics.prom", line, StringComparison.Ordinal);
        Assert.Contains("/srv/history.csv", line, StringComparison.Ordinal);
        Assert.DoesNotContain("vg0-data0", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Version, line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_is_valid_shell()
    {
        var line = GrowerInstallState.Command(Layout, Version, "/var/lib/runbook/autoextend/vg0-data0.prom", "/var/lib/runbook/autoextend/vg0-data0.csv").ShellLine!;

        var (exitCode, errors) = ShellSyntax.Check(line);
        Assert.True(exitCode == 0, $"sh -n: {errors}");
    }

    [Fact]
    public void Sha256_is_lowercase_hex_of_the_utf8_text()
    {
        // sha256sum of an empty file, as the command prints it for a file with no content.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", GrowerInstallState.Sha256(""));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", GrowerInstallState.Sha256("abc"));
    }
}

/// <summary><c>sh -n</c>: whether a script parses, without running any of it.</summary>
internal static class ShellSyntax
{
    public static (int ExitCode, string Errors) Check(string script)
    {
        using var folder = new TempFolder();
        var path = folder.File("script.sh", script);
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, errors);
    }
}
