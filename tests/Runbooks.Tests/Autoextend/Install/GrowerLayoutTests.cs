using System.Text.RegularExpressions;
using Runbooks.Autoextend.Install;

namespace Runbooks.Tests.Autoextend.Install;

public sealed class GrowerLayoutTests
{
    private static readonly GrowerLayout Layout = new("vg0", "data0");

    private static string[] Lines(string text) => text.Split('\n');

    [Fact]
    public void The_files_of_a_volume_are_named_after_it()
    {
        Assert.Equal("vg0-data0", Layout.Name);
        Assert.Equal("/etc/runbook/autoextend/vg0-data0.json", Layout.PolicyPath);
        Assert.Equal("/usr/local/sbin/runbook-autoextend-vg0-data0", Layout.LauncherPath);
        Assert.Equal("/var/log/runbook-autoextend-vg0-data0.log", Layout.LogPath);
        Assert.Equal("/var/lib/runbook/autoextend/vg0-data0.csv", Layout.HistoryPath);
        Assert.Equal("/var/lib/runbook/autoextend/vg0-data0.prom", Layout.MetricsPath);
        Assert.Equal("runbook-autoextend-vg0-data0.service", Layout.UnitName);
        Assert.Equal("/etc/systemd/system/runbook-autoextend-vg0-data0.service", Layout.UnitPath);
    }

    [Fact]
    public void Each_version_has_its_own_build_folder()
    {
        Assert.Equal("/opt/runbook/d94434bcca3a", GrowerLayout.BuildFolder("d94434bcca3a"));
        Assert.NotEqual(GrowerLayout.BuildFolder("d94434bcca3a"), GrowerLayout.BuildFolder("0123456789ab"));
    }

    [Fact]
    public void Busybox_gets_a_respawn_line_without_id_or_runlevels()
    {
        Assert.Equal("::respawn:/usr/local/sbin/runbook-autoextend-vg0-data0", Layout.InittabLine(Supervisor.BusyboxInittab));
    }

    [Fact]
    public void Sysvinit_gets_a_respawn_line_with_a_short_id_of_the_volume()
    {
        var line = Layout.InittabLine(Supervisor.SysvInittab);
        var other = new GrowerLayout("vg0", "data1").InittabLine(Supervisor.SysvInittab);

        Assert.Matches(new Regex("^r[0-9a-f]{3}:2345:respawn:/usr/local/sbin/runbook-autoextend-vg0-data0$"), line);
        Assert.Matches(new Regex("^r[0-9a-f]{3}:2345:respawn:/usr/local/sbin/runbook-autoextend-vg0-data1$"), other);
        Assert.NotEqual(line.Split(':')[0], other.Split(':')[0]);
        // The same volume always gets the same id, so a second install finds its line.
        Assert.Equal(line, new GrowerLayout("vg0", "data0").InittabLine(Supervisor.SysvInittab));
    }

    [Theory]
    [InlineData(Supervisor.Systemd)]
    [InlineData(Supervisor.None)]
    public void Only_an_inittab_has_inittab_lines(Supervisor supervisor)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Layout.InittabLine(supervisor));
    }

    [Fact]
    public void The_launcher_runs_the_linked_runbook_on_the_policy_and_appends_to_the_log()
    {
        var launcher = Layout.Launcher();

        Assert.StartsWith("#!/bin/sh\n", launcher, StringComparison.Ordinal);
        Assert.Contains(
            "exec /usr/local/bin/runbook autoextend --policy /etc/runbook/autoextend/vg0-data0.json >> /var/log/runbook-autoextend-vg0-data0.log 2>&1",
            Lines(launcher));
        Assert.EndsWith("\n", launcher, StringComparison.Ordinal);
    }

    [Fact]
    public void The_launcher_is_valid_shell()
    {
        var (exitCode, errors) = ShellSyntax.Check(Layout.Launcher());

        Assert.True(exitCode == 0, $"sh -n: {errors}");
    }

    [Fact]
    public void The_syntax_check_rejects_broken_shell()
    {
        // So that a passing check above means something.
        var (exitCode, _) = ShellSyntax.Check("#!/bin/sh\nif true; then\n  echo unterminated\n");

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void The_unit_starts_the_launcher_and_always_restarts_it()
    {
        var unit = Lines(Layout.Unit());

        Assert.Contains("ExecStart=/usr/local/sbin/runbook-autoextend-vg0-data0", unit);
        Assert.Contains("Restart=always", unit);
        Assert.Contains("[Service]", unit);
        Assert.Contains("WantedBy=multi-user.target", unit);
    }

    [Fact]
    public void Each_supervisor_is_described_in_its_own_words()
    {
        var descriptions = Enum.GetValues<Supervisor>().Select(GrowerLayout.Describe).ToList();

        Assert.Equal(descriptions.Count, descriptions.Distinct().Count());
        Assert.All(descriptions, d => Assert.False(string.IsNullOrWhiteSpace(d)));
        Assert.Contains("systemd", GrowerLayout.Describe(Supervisor.Systemd), StringComparison.Ordinal);
        Assert.Contains("busybox", GrowerLayout.Describe(Supervisor.BusyboxInittab), StringComparison.Ordinal);
        Assert.Contains("sysvinit", GrowerLayout.Describe(Supervisor.SysvInittab), StringComparison.Ordinal);
    }
}
