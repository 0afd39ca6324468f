using System.Collections.Immutable;
using Runbooks.Capture;
using Runbooks.Hosts;

namespace Runbooks.Storage.Snapshot;

/// <summary>
/// Captures a machine's storage state with ONE command and parses it into a <see cref="StorageSnapshot"/>: the
/// format of <see cref="NetworkCapture"/> (header <c>runbooks-storage-capture 1 TOKEN</c>, each section framed by
/// "TOKEN begin NAME" / "TOKEN stderr NAME" / "TOKEN end CODE NAME", sections run at once and printed in order).
/// </summary>
/// <remarks>
/// <para>LVM is one <c>lvm fullreport</c> in JSON with <c>--units b --nosuffix</c>, so every size is exact bytes. A
/// machine without any PV gives empty lists; without lvm2 installed, the lvm section is a problem (exit 127).</para>
/// <para>Deleted files still open come from a walk of /proc/*/fd (one <c>ls</c>, then <c>stat -L</c> per deleted
/// file), not lsof: it needs only sh, ls and stat and gives exact sizes. Kernel messages are <c>dmesg</c> filtered to
/// storage (ext4, xfs, loop, device-mapper, remounts, I/O errors), the last 200; <c>/proc/uptime</c> places them in
/// time.</para>
/// <para>Nothing is changed on the machine. A failing section becomes a <see cref="CaptureProblem"/>; only a host that
/// cannot be reached throws.</para>
/// </remarks>
public static class StorageCapture
{
    /// <summary>The host stops the capture after this long. LVM waits for a VG lock held by a running lvextend, so this
    /// is longer than the network capture's.</summary>
    public static TimeSpan RemoteTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Gives control back even when the connection hangs and the host's own timeout cannot report.</summary>
    public static TimeSpan LocalTimeout { get; } = TimeSpan.FromSeconds(40);

    // One LVM process for PVs, VGs, LVs and both kinds of segments: each LVM command costs ~60 ms of CPU to start and
    // scan the devices, so four reports cost four times that.
    internal const string LvmColumns =
        "--configreport vg -o vg_name,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count "
        + "--configreport pv -o pv_name,vg_name,pv_attr,pv_size,pv_free,dev_size,pe_start,pv_pe_count,pv_pe_alloc_count "
        + "--configreport lv -o lv_name,vg_name,lv_attr,lv_size "
        + "--configreport pvseg -o pv_name,pvseg_start,pvseg_size,lv_name,seg_start_pe "
        + "--configreport seg -o lv_name,segtype,seg_start_pe,seg_size_pe,seg_pe_ranges";

    private static readonly SectionedCapture s_capture = new("storage",
    [
        new("hostname", "uname", "uname -n"),
        new("uptime", "cat", "cat /proc/uptime"),
        new("lvm", "lvm", $"lvm fullreport --reportformat json --units b --nosuffix {LvmColumns}"),
        new("lvmconfig", "lvm", "lvm lvmconfig --typeconfig diff"),
        new("losetup", "losetup", "losetup -J -O NAME,BACK-FILE,SIZELIMIT,OFFSET,AUTOCLEAR,RO"),
        new("lsblk", "lsblk", "lsblk -J -b -o NAME,KNAME,TYPE,SIZE,FSTYPE,MOUNTPOINTS,RO,PKNAME"),
        new("findmnt", "findmnt", FindmntCommand),
        new("df", "df", DfCommand),
        new("fstab", "cat", "cat /etc/fstab"),
        new("images", "stat", "rb_images", "stat -c '%s %b %B %n' (files behind loop devices, /media/*.img)"),
        new("deleted", "stat", "rb_deleted", "ls -l /proc/*/fd/ + stat -L (deleted files still open)"),
        new("dmesg", "dmesg", "rb_dmesg", "dmesg | grep -Ei 'ext4|xfs|loop[0-9]|dm-[0-9]|device-mapper|remount|i/o error|read-only|lvm' | tail -n 200"),
        new("ps", "ps", "rb_ps", "ps -e -ww -o pid=,ppid=,etimes=,stat=,args= (without the capture's own processes)"),
        new("scripts", "grep", "rb_scripts", "grep -I -n -H -E 'mount' <the scripts running shells execute, and the executables boot and cron files name>"),
        new("boot", "grep", "rb_boot", $"grep -n -H -E '{BootPattern}' {BootFiles} (without comments)"),
        new("attrs", "lsattr", "rb_attrs", "lsattr -d <the root of every mounted ext2/3/4 filesystem>"),
    ], Helpers);

    /// <summary>Every mount, as <see cref="Capture.FindmntParser"/> reads it.</summary>
    internal const string FindmntCommand = "findmnt -J -l -b -o ID,PARENT,TARGET,SOURCE,FSTYPE,OPTIONS,VFS-OPTIONS,FS-OPTIONS";

    /// <summary>Usage in bytes and inodes, as <see cref="Capture.DfParser"/> reads it; paths may follow.</summary>
    internal const string DfCommand = "df -B1 --output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target";

    /// <summary>Where a machine without systemd starts things: at boot, and from cron.</summary>
    public const string BootFiles = "/etc/inittab /etc/rc.local /etc/init.d/* /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/*";

    // What boot does to the disks (attach, activate, mount) and what it starts in the background.
    private const string BootPattern = "losetup|mount|vgchange|setsid|nohup|start-stop-daemon|&[[:space:]]*$";

    // POSIX sh (dash, bash, busybox ash); helper variables start with rb_.
    private const string Helpers = $$"""
        # The capture runs beside the service it diagnoses, often on a busy machine: it yields the CPU first.
        renice -n 10 -p $$ > /dev/null 2>&1

        # LVM warns on stderr about every inherited descriptor (an ssh session or a test runner has several).
        LVM_SUPPRESS_FD_WARNINGS=1
        export LVM_SUPPRESS_FD_WARNINGS

        # The files behind loop devices (not those already deleted: their path may name another file now) and the
        # usual /media/*.img disk images: apparent size, blocks, block size, path.
        rb_images() {
          { rb_l=$(rb_which losetup) && "$rb_l" -n -O BACK-FILE
            for rb_f in /media/*.img; do [ -e "$rb_f" ] && printf '%s\n' "$rb_f"; done
          } | grep -v ' (deleted)$' | sort -u | while IFS= read -r rb_f; do
            [ -f "$rb_f" ] && "$rb_bin" -c '%s %b %B %n' -- "$rb_f"
          done
          return 0
        }

        # Deleted files still open: one ls over every process's descriptors, then stat -L (through the descriptor,
        # the file itself) for those the kernel marks "(deleted)". A process that ends meanwhile is skipped.
        rb_deleted() {
          ls -l /proc/[0-9]*/fd/ 2>/dev/null | while IFS= read -r rb_l; do
            case $rb_l in
              /proc/*/fd:|/proc/*/fd/:) rb_p=${rb_l#/proc/}; rb_p=${rb_p%%/*} ;;
              *' -> '*' (deleted)')
                rb_fd=${rb_l%% -> *}; rb_fd=${rb_fd##* }
                rb_path=${rb_l#* -> }; rb_path=${rb_path% (deleted)}
                rb_s=$("$rb_bin" -L -c "%s$rb_tab%b$rb_tab%B" "/proc/$rb_p/fd/$rb_fd" 2>/dev/null) || continue
                rb_c=; IFS= read -r rb_c <"/proc/$rb_p/comm" 2>/dev/null
                printf '%s\t%s\t%s\t%s\t%s\n' "$rb_p" "$rb_fd" "$rb_s" "$rb_c" "$rb_path" ;;
            esac
          done
          return 0
        }

        # The capture's own shells would be most of the list (each shows the whole script as its arguments); every one
        # of them holds the token, and nothing else does.
        rb_ps() {
          rb_o=$("$rb_bin" -e -ww -o pid=,ppid=,etimes=,stat=,args=) || return
          printf '%s\n' "$rb_o" | grep -v -F "$T"
          return 0
        }

        # Lines about mounting in the scripts that running shells execute, and in the executables the boot and cron
        # files name: a loop that remounts a filesystem hides behind an innocent name, its command line
        # ("/bin/sh /usr/local/sbin/logrotated 48") says nothing, and it may not be running yet (or any more).
        rb_scripts() {
          rb_p=$(rb_which ps) || return 0
          { "$rb_p" -e -ww -o args= | while read -r rb_a rb_s rb_rest; do
              case ${rb_a##*/} in
                sh|bash|dash|ash) case $rb_s in /*) [ -f "$rb_s" ] && printf '%s\n' "$rb_s" ;; esac ;;
              esac
            done
            for rb_f in {{BootFiles}}; do
              [ -f "$rb_f" ] && "$rb_bin" -v -E '^[[:space:]]*#' -- "$rb_f"
            done | tr -s ' \t;&|()<>"'"'"'`=' '\n' | while IFS= read -r rb_s; do
              case $rb_s in /*) [ -f "$rb_s" ] && [ -x "$rb_s" ] && printf '%s\n' "$rb_s" ;; esac
            done
          } | sort -u | while IFS= read -r rb_f; do
            "$rb_bin" -I -n -H -E 'mount' -- "$rb_f"
          done
          return 0
        }

        # The lines of the boot and cron files that attach, mount, or start something in the background: how the
        # disks come back after a reboot, and what starts a remounter again.
        rb_boot() {
          for rb_f in {{BootFiles}}; do
            [ -f "$rb_f" ] && "$rb_bin" -n -H -E '{{BootPattern}}' -- "$rb_f"
          done | "$rb_bin" -v -E '^[^:]*:[0-9]+:[[:space:]]*#'
          return 0
        }

        # chattr +i on a mount point's root refuses every new file there, to root too, and shows nowhere else.
        rb_attrs() {
          rb_m=$(rb_which findmnt) || return 0
          "$rb_m" -n -l -o TARGET -t ext2,ext3,ext4 | while IFS= read -r rb_t; do
            "$rb_bin" -d -- "$rb_t" 2>/dev/null
          done
          return 0
        }

        rb_dmesg() {
          rb_k=$("$rb_bin") || return
          printf '%s\n' "$rb_k" | grep -E -i 'ext4|xfs|loop[0-9]|dm-[0-9]|device-mapper|remount|i/o error|read-only|lvm' | tail -n 200
          return 0
        }


        """;

    /// <summary>Runs the capture on <paramref name="host"/> in one round trip and parses it.</summary>
    /// <exception cref="HostConnectionException">The host could not be reached.</exception>
    /// <exception cref="HostCommandTimeoutException">No answer within <see cref="LocalTimeout"/>.</exception>
    /// <exception cref="CaptureFormatException">The host's shell did not run the script at all.</exception>
    public static async Task<StorageSnapshot> CaptureAsync(IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var result = await host.RunAsync(Command(), cancellationToken).ConfigureAwait(false);
        return Parse(host.Name, result);
    }

    /// <summary>The capture as one command (a fresh token, both timeouts, every exit code accepted): run it through any
    /// <see cref="IHost"/> and hand the output to <see cref="Parse(string, string, DateTimeOffset)"/>.</summary>
    public static HostCommand Command() =>
        HostCommand.Shell(SectionedCapture.CommandLine(Script(SectionedCapture.NewToken())))
            .WithRemoteTimeout(RemoteTimeout)
            .WithTimeout(LocalTimeout)
            .WithValidation(CommandValidation.None)
            .WithDescription("storage capture (one round trip)");

    /// <summary>The same capture as one command per section (the baseline of a benchmark); their outputs concatenated
    /// are not one capture.</summary>
    public static IReadOnlyList<HostCommand> CommandsPerSection() =>
        [.. s_capture.Sections.Select(section => HostCommand.Shell(SectionedCapture.CommandLine(s_capture.Script(SectionedCapture.NewToken(), [section])))
            .WithRemoteTimeout(RemoteTimeout)
            .WithTimeout(LocalTimeout)
            .WithValidation(CommandValidation.None)
            .WithDescription($"storage capture, section {section.Name}"))];

    /// <summary>Turns the whole standard output of the capture into a snapshot.</summary>
    /// <exception cref="CaptureFormatException">No capture header, or markers out of order.</exception>
    public static StorageSnapshot Parse(string host, string output, DateTimeOffset capturedAt)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        var (sections, done) = s_capture.Split(output);
        return Assemble(host, capturedAt, sections, done, []);
    }

    internal static StorageSnapshot Parse(string host, CommandResult result)
    {
        var unfinished = s_capture.Check(result, RemoteTimeout);
        var (sections, done) = s_capture.Split(result.StandardOutput);
        return Assemble(host, result.StartedAt, sections, done, unfinished is null ? [] : [unfinished]);
    }

    internal static string NewToken() => SectionedCapture.NewToken();

    internal static string Script(string token) => s_capture.Script(token);

    private static StorageSnapshot Assemble(string host, DateTimeOffset capturedAt, List<RawSection> raw, bool done, List<CaptureProblem> extra)
    {
        var sections = new CaptureSections(s_capture, raw, done);
        var hostname = sections.Fixed("hostname")?.Trim() ?? "";
        var uptime = sections.Parse<TimeSpan?>("uptime", t => DmesgParser.ParseUptime(t), null);
        var lvm = sections.Parse("lvm", LvmReportParser.ParseFullReport, new LvmFullReport([], [], []));
        var loops = sections.Parse("losetup", LosetupParser.Parse, []);
        var blocks = sections.Parse("lsblk", LsblkParser.Parse, []);
        var mounts = sections.Parse("findmnt", FindmntParser.Parse, []);
        var usage = sections.Parse("df", DfParser.Parse, []);
        var fstab = sections.Parse("fstab", FstabParser.Parse, []);
        var images = sections.Parse("images", ImageFilesParser.Parse, []);
        var deleted = sections.Parse("deleted", DeletedFilesParser.Parse, []);
        var kernel = sections.Parse("dmesg", DmesgParser.Parse, []);
        var processes = sections.Parse("ps", PsParser.Parse, []);
        // Added to the script after the first fixtures were recorded: absent from those, it is not a problem there.
        var scripts = raw.Any(r => r.Name == "scripts") ? sections.Parse("scripts", ScriptLinesParser.Parse, []) : [];
        var boot = raw.Any(r => r.Name == "boot") ? sections.Parse("boot", ScriptLinesParser.Parse, []) : [];
        var attributes = raw.Any(r => r.Name == "attrs") ? sections.Parse("attrs", LsattrParser.Parse, []) : [];
        var lvmSettings = raw.Any(r => r.Name == "lvmconfig") ? sections.Parse("lvmconfig", LvmConfigParser.Parse, []) : [];
        // LVM says what it cannot find or will not use only on stderr ("WARNING: Couldn't find device with uuid …").
        var lvmWarnings = raw.FirstOrDefault(r => r.Name == "lvm")?.Error.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("WARNING", StringComparison.Ordinal)).ToImmutableArray() ?? [];
        return new StorageSnapshot(host, hostname, capturedAt, uptime, lvm.PhysicalVolumes, lvm.VolumeGroups, lvm.LogicalVolumes, loops, blocks, mounts, usage, fstab,
            images, deleted, kernel, processes, [.. sections.Problems, .. extra])
        {
            MountLinesInScripts = scripts,
            BootLines = boot,
            MountRootAttributes = attributes,
            LvmSettings = lvmSettings,
            LvmWarnings = lvmWarnings,
        };
    }
}
