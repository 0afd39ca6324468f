using System.Security.Cryptography;
using System.Text;

namespace Runbooks.Autoextend.Install;

/// <summary>How the machine keeps the grower running: what its PID 1 is.</summary>
public enum Supervisor
{
    /// <summary>Neither systemd nor an inittab: nothing on the machine would restart the grower.</summary>
    None,
    /// <summary>systemd (/run/systemd/system exists): a unit with Restart=always.</summary>
    Systemd,
    /// <summary>busybox init: an <c>::respawn:</c> line in /etc/inittab (no id, no runlevels: busybox reads the
    /// first field as the terminal to use).</summary>
    BusyboxInittab,
    /// <summary>sysvinit: an <c>id:2345:respawn:</c> line in /etc/inittab.</summary>
    SysvInittab,
}

/// <summary>
/// Where the grower of one volume lives on a machine. One build folder per version under /opt/runbook, the
/// `runbook` command linked from /usr/local/bin, and per volume: a policy file, a launcher script (what the
/// supervisor starts; it sends the output to a log file), the history and the metrics. Named by the volume, so a
/// machine can keep several.
/// </summary>
public sealed record GrowerLayout(string VolumeGroup, string LogicalVolume)
{
    public const string BuildsFolder = "/opt/runbook";
    public const string CommandLink = "/usr/local/bin/runbook";
    public const string InittabPath = "/etc/inittab";

    /// <summary>One policy file per volume kept on the machine: what tells whether another volume still uses the build.</summary>
    public const string PoliciesFolder = "/etc/runbook/autoextend";

    /// <summary><c>vg0-data0</c>: the volume as it appears in the names of files and units.</summary>
    public string Name => $"{VolumeGroup}-{LogicalVolume}";

    public string PolicyPath => $"{PoliciesFolder}/{Name}.json";

    public string LauncherPath => $"/usr/local/sbin/runbook-autoextend-{Name}";

    public string LogPath => $"/var/log/runbook-autoextend-{Name}.log";

    public string HistoryPath => $"/var/lib/runbook/autoextend/{Name}.csv";

    public string MetricsPath => $"/var/lib/runbook/autoextend/{Name}.prom";

    public string UnitName => $"runbook-autoextend-{Name}.service";

    public string UnitPath => $"/etc/systemd/system/{UnitName}";

    public static string BuildFolder(string version) => $"{BuildsFolder}/{version}";

    /// <summary>What keeps the grower running, in words.</summary>
    public static string Describe(Supervisor supervisor) => supervisor switch
    {
        Supervisor.Systemd => "systemd (a unit with Restart=always)",
        Supervisor.BusyboxInittab => "busybox init (a respawn line in /etc/inittab)",
        Supervisor.SysvInittab => "sysvinit (a respawn line in /etc/inittab)",
        _ => "nothing (no systemd, no /etc/inittab)",
    };

    /// <summary>The launcher: it runs the linked `runbook`, so a new version takes over by a restart.</summary>
    public string Launcher() =>
        $"""
        #!/bin/sh
        # Started and restarted by the machine's init ({InittabPath} respawn line or {UnitName}); installed by
        # `runbook autoextend install`. The policy is {PolicyPath}; docs/autoextend-install.md.
        # init's PATH may lack /usr/local (busybox's does); the grower runs lvextend, resize2fs, losetup by name.
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        export PATH
        exec {CommandLink} autoextend --policy {PolicyPath} >> {LogPath} 2>&1

        """;

    /// <summary>The inittab line that keeps the launcher running.</summary>
    public string InittabLine(Supervisor supervisor) => supervisor switch
    {
        Supervisor.BusyboxInittab => $"::respawn:{LauncherPath}",
        Supervisor.SysvInittab => $"{SysvId}:2345:respawn:{LauncherPath}",
        _ => throw new ArgumentOutOfRangeException(nameof(supervisor), supervisor, "only an inittab has inittab lines"),
    };

    /// <summary>sysvinit ids are at most 4 characters and unique: "r" and 3 hex digits of the volume's name.</summary>
    private string SysvId => "r" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Name)))[..3];

    /// <summary>The systemd unit for boxes with systemd.</summary>
    public string Unit() =>
        $"""
        # Installed by `runbook autoextend install` (docs/autoextend-install.md).
        [Unit]
        Description=runbook autoextend: keeps {VolumeGroup}/{LogicalVolume} from filling
        After=local-fs.target lvm2-monitor.service

        [Service]
        ExecStart={LauncherPath}
        Restart=always
        RestartSec=2
        # A grow that has begun is finished on SIGTERM; give it the time lvextend and resize2fs take.
        TimeoutStopSec=60

        [Install]
        WantedBy=multi-user.target

        """;
}
