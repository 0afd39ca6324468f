using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runbooks.Hosts;
using Runbooks.Labs.Storage;
using Runbooks.Labs.Tests.Cli;

namespace Runbooks.Labs.Tests.Storage;

/// <summary>The real guest: booted under qemu, its faults read back with the commands an engineer would type.</summary>
[Collection(StorageLabCollection.Name)]
public sealed class StorageLabTests(StorageLabFixture fixture)
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);
    private const long MiB = 1024 * 1024;

    private readonly StorageLab _lab = fixture.Lab;

    [Fact]
    public async Task Image_IsCachedByRecipe_SecondAskIsAHit()
    {
        var first = await _lab.EnsureImageAsync();
        var clock = Stopwatch.StartNew();
        var second = await _lab.EnsureImageAsync();

        Assert.Equal(first, second);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"a cache hit took {clock.Elapsed}");
        Assert.Equal(StorageLab.CacheFolder(), Path.GetDirectoryName(first));
        Assert.Matches("^[0-9a-f]{16}$", Path.GetFileName(first));
        var recipe = await File.ReadAllTextAsync(Path.Combine(first, "recipe.txt"));
        Assert.Matches(@"(?m)^kernel linux-image-\S+-cloud-amd64 \S+$", recipe);
        Assert.All(new[] { "root.ext4", "vmlinuz", "initrd.gz" }, f => Assert.True(File.Exists(Path.Combine(first, f)), f));
        Assert.True(new FileInfo(Path.Combine(first, "root.ext4")).Length >= 12L * 1024 * MiB, "the root image is at least 12 GiB (sparse)");
        // Only complete images carry a recipe's name: no build folder is left over.
        Assert.Empty(Directory.GetDirectories(StorageLab.CacheFolder(), ".build-*"));
    }

    [Fact]
    public async Task Up_BootsTheGuest_RecordsLabJson_AndSshWorksWithThePinnedHostKey()
    {
        var state = await fixture.UpAsync();

        Assert.Equal((StorageLab.SshPort, StorageLab.HttpPort), (state.SshPort, state.HttpPort));
        Assert.Equal(_lab.IdentityFile, state.IdentityFile);
        Assert.Equal((int)StorageLabFixture.RemountDelay.TotalSeconds, state.RemountDelaySeconds);
        Assert.InRange(state.BootToSshSeconds, 0.5, 60);
        Assert.True(StorageLab.IsQemu(state.QemuPid));
        Assert.Matches(@"^\[127\.0\.0\.1\]:10022 ssh-ed25519 \S+\n$", await File.ReadAllTextAsync(state.KnownHostsFile));
        Assert.StartsWith(StorageLab.CacheFolder(), state.Overlay, StringComparison.Ordinal);
        Assert.True(File.Exists(state.Overlay));

        var status = await _lab.StatusAsync();
        Assert.Equal((true, true, true, true), (status.Up, status.QemuAlive, status.SshAnswers, status.HttpAnswers));

        // StrictHostKeyChecking=yes: this only works because known_hosts holds this boot's key.
        var who = await Exec("hostname; id -un; uname -r; nproc");
        Assert.Matches(@"^storage\nroot\n6\.1\.\S+-cloud-amd64\n2\n$", who.StandardOutput);
        // The guest has no route anywhere but qemu's user network, and that one is restricted.
        var routes = await Exec("ip -4 route; ip -o -4 addr show scope global");
        Assert.Contains("default via 10.0.2.2", routes.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("inet 10.0.2.15/24", routes.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S2_S3_S4_S5_S6_ThePhysicalAndLogicalVolumesAreAsPlanted()
    {
        await fixture.UpAsync();

        var pvs = await Exec("pvs -o pv_name,vg_name,pv_attr,pe_start,dev_size,pv_size --units b --nosuffix --reportformat json");
        using var json = JsonDocument.Parse(pvs.StandardOutput);
        var rows = json.RootElement.GetProperty("report")[0].GetProperty("pv").EnumerateArray()
            .ToDictionary(pv => pv.GetProperty("pv_name").GetString()!, pv => pv);
        long Bytes(string pv, string field) => long.Parse(rows[pv].GetProperty(field).GetString()!, CultureInfo.InvariantCulture);

        // S5: three disks, not four.
        Assert.Equal(["/dev/loop0", "/dev/loop1", "/dev/loop2"], rows.Keys.Order());
        Assert.All(rows.Values, pv => Assert.Equal("vg0", pv.GetProperty("vg_name").GetString()));
        Assert.All(rows.Keys, pv => Assert.Equal(1800 * MiB, Bytes(pv, "dev_size")));
        // S2: loop0 is not allocatable.
        Assert.Equal("u--", rows["/dev/loop0"].GetProperty("pv_attr").GetString());
        Assert.Equal("a--", rows["/dev/loop1"].GetProperty("pv_attr").GetString());
        // S3: loop1's data starts 1 GiB in, leaving 776 MiB.
        Assert.Equal(1024 * MiB, Bytes("/dev/loop1", "pe_start"));
        Assert.Equal(776 * MiB, Bytes("/dev/loop1", "pv_size"));
        // S4: loop2's PV is ~1020M on an 1800M device.
        Assert.InRange(Bytes("/dev/loop2", "pv_size"), 1012 * MiB, 1020 * MiB);
        Assert.Equal(1796 * MiB, Bytes("/dev/loop0", "pv_size"));

        // S6: data0 is 2.80 GiB; S3: some of its extents are on loop1.
        var lvs = await Exec("lvs --noheadings --units b --nosuffix -o lv_name,lv_size vg0; pvs --noheadings --segments -o pv_name,lv_name,pvseg_size /dev/loop1");
        Assert.Matches(@"^\s*data0\s+3007315968\s*$", lvs.StandardOutput.Split('\n')[0]);
        Assert.Matches(@"(?m)^\s*/dev/loop1\s+data0\s+\d+\s*$", lvs.StandardOutput);

        var media = await Exec("ls /media; losetup -ln -O NAME,BACK-FILE");
        Assert.Matches(@"^disk0\.img\ndisk1\.img\ndisk2\.img\n", media.StandardOutput);
        Assert.Matches(@"(?m)^/dev/loop1\s+/media/disk1\.img\s*$", media.StandardOutput);
        // The disks are really allocated (mkfs ran with nodiscard): fallocate's 1800M each, plus a block map.
        var allocated = await Exec("du -m /media/disk0.img | cut -f1");
        Assert.InRange(int.Parse(allocated.StandardOutput.Trim(), CultureInfo.InvariantCulture), 1800, 1810);
    }

    [Fact]
    public async Task S5_TheObjectServiceHoldsADeletedFileThatFillsTheRootFileSystem()
    {
        await fixture.UpAsync();

        var lsof = await Exec("lsof -nP +L1");
        var line = Assert.Single(lsof.StandardOutput.Split('\n'), l => l.Contains("/.tempfile (deleted)", StringComparison.Ordinal));
        Assert.StartsWith("python3 ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/console", lsof.StandardOutput, StringComparison.Ordinal);
        var holder = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var process = await Exec($"cat /proc/{holder}/cmdline | tr '\\0' ' '; echo; df -P / | awk 'NR == 2 {{print $5}}'; pgrep -fa run.sh");
        var lines = process.StandardOutput.Split('\n');
        Assert.Equal("python3 -m http.server 8000 ", lines[0]);
        Assert.InRange(int.Parse(lines[1].TrimEnd('%'), CultureInfo.InvariantCulture), 95, 98);
        Assert.Contains("/usr/local/bin/run.sh", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task S1_DataIsReadOnly_ByFstabAndByAHiddenRemounter()
    {
        var state = await fixture.UpAsync();

        var seen = await Exec("grep ' /data ' /etc/fstab; findmnt -no SOURCE,OPTIONS /data; ps -eo args | grep '^/bin/sh /usr/local/sbin/logrotated'");
        Assert.Matches(@"^/dev/vg0/data0 /data ext4 defaults,ro 0 2\n/dev/mapper/vg0-data0 ro,relatime\n/bin/sh /usr/local/sbin/logrotated \d+\n$", seen.StandardOutput);

        // Once its delay has passed, the remounter turns /data read-only again within seconds of anyone fixing it.
        var uptime = double.Parse((await Exec("cut -d' ' -f1 /proc/uptime")).StandardOutput, CultureInfo.InvariantCulture);
        var wait = state.RemountDelaySeconds + 1 - uptime;
        if (wait > 0)
            await Task.Delay(TimeSpan.FromSeconds(wait));
        var fight = await Exec("""
            mount -o remount,rw /data && findmnt -no OPTIONS /data | cut -d, -f1
            for i in $(seq 1 40); do findmnt -no OPTIONS /data | grep -q '^ro' && break; sleep 0.25; done
            findmnt -no OPTIONS /data | cut -d, -f1
            dmesg | grep -c 're-mounted'
            """);
        var answer = fight.StandardOutput.Split('\n');
        Assert.Equal(("rw", "ro"), (answer[0], answer[1]));
        Assert.True(int.Parse(answer[2], CultureInfo.InvariantCulture) >= 2, "dmesg shows the remounts");
    }

    [Fact]
    public async Task TestStorageNoFill_FailsOnTheBrokenTwin_NamingEachFault()
    {
        await fixture.UpAsync();

        var clock = Stopwatch.StartNew();
        var test = await Exec("test-storage.sh --no-fill");

        Assert.Equal(1, test.ExitCode);
        var output = test.StandardOutput;
        Assert.Contains("FAILED: cannot write to /data (cannot touch '/data/.write-test': Read-only file system)", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: vg0 has 3 physical volumes, expected 4", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: /dev/loop1 is 776.00M, expected 1.8G", output, StringComparison.Ordinal);
        Assert.Matches(@"FAILED: /dev/loop2 is 10\d\d\.00M, expected 1\.8G", output);
        Assert.Contains("OK: /dev/loop0 is 1796.00M", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: data0 is 2868.00 MiB, expected 4096", output, StringComparison.Ordinal);
        Assert.Contains("OK: all 300 objects match their checksums", output, StringComparison.Ordinal);
        Assert.Contains("Skipping the fill phase (--no-fill)", output, StringComparison.Ordinal);
        Assert.Contains("--- Logical volume ---", output, StringComparison.Ordinal);
        Assert.Contains("--- Segments ---", output, StringComparison.Ordinal);
        Assert.EndsWith("Some tests FAILED\n", output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"test-storage.sh --no-fill took {clock.Elapsed}");
    }

    [Fact]
    public async Task Objects_AreServedOverTheHttpPort_MatchingTheManifest()
    {
        var state = await fixture.UpAsync();

        var manifest = (await Exec("cat /usr/local/share/objects/manifest.sha256")).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split("  "))
            .ToDictionary(p => p[1], p => p[0]);
        Assert.Equal(300, manifest.Count);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{state.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var index = await http.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(300, Regex.Matches(index, @"href=""obj-\d{4}-[0-9a-f]{8}""").Count);
        foreach (var name in manifest.Keys.Take(3).Append(manifest.Keys.Last()))
        {
            var body = await http.GetByteArrayAsync(new Uri(name, UriKind.Relative));
            Assert.Equal(manifest[name], Convert.ToHexStringLower(SHA256.HashData(body)));
        }
    }

    [Fact]
    public async Task Cli_StatusExecDown_ThenNothingIsLeft()
    {
        await fixture.UpAsync();

        var status = RunbookProgram.Run("lab", "status", "storage");
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Matches(@"qemu pid \d+ alive  ssh 127\.0\.0\.1:10022 answers  http 127\.0\.0\.1:18000 answers", status.Stdout);
        using (var json = JsonDocument.Parse(RunbookProgram.Run("lab", "status", "storage", "--json").Stdout))
            Assert.True(json.RootElement.GetProperty("sshAnswers").GetBoolean());

        var exec = RunbookProgram.Run("lab", "exec", "storage", "--", "hostname;", "exit", "7");
        Assert.Equal((7, "storage\n"), (exec.ExitCode, exec.Stdout));

        var down = RunbookProgram.Run("lab", "down", "storage");
        Assert.True(down.ExitCode == 0, down.Output);
        Assert.Contains("storage lab down in ", down.Stdout, StringComparison.Ordinal);
        StorageLabLeftovers.AssertNone();

        var statusDown = RunbookProgram.Run("lab", "status", "storage");
        Assert.Equal((1, "storage lab: down (run `runbook lab up storage` to boot it)\n"), (statusDown.ExitCode, statusDown.Stdout));
        var execDown = RunbookProgram.Run("lab", "exec", "storage", "--", "true");
        Assert.Equal(2, execDown.ExitCode);
        Assert.Contains("Run `runbook lab up storage`", execDown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsoleExec_WorksWhenSshdIsGone()
    {
        await fixture.UpAsync();

        var viaConsole = await _lab.ExecConsoleAsync("hostname; echo to-stderr >&2; exit 7", s_commandTimeout);
        Assert.Equal((7, "storage\nto-stderr\n"), (viaConsole.ExitCode, viaConsole.StandardOutput));

        // Break ssh the way an engineer might, then repair it from the console.
        // Waits for sshd to go rather than a guessed half second: a guest still busy after its boot took longer.
        var killed = await _lab.ExecConsoleAsync("pkill -x sshd; for i in $(seq 50); do pgrep -x sshd > /dev/null || break; sleep 0.1; done; pgrep -x sshd || echo no-sshd", s_commandTimeout);
        Assert.Equal("no-sshd\n", killed.StandardOutput);
        Assert.False((await _lab.StatusAsync()).SshAnswers);
        var restarted = await _lab.ExecConsoleAsync("/usr/sbin/sshd && echo started", s_commandTimeout);
        Assert.Equal((0, "started\n"), (restarted.ExitCode, restarted.StandardOutput));
        // sshd daemonizes before it listens: wait for its banner as `lab up` does.
        for (var i = 0; i < 50 && !(await _lab.StatusAsync()).SshAnswers; i++)
            await Task.Delay(200);
        Assert.Equal("storage\n", (await Exec("hostname")).StandardOutput);
    }

    [Fact]
    public async Task Down_AfterACrash_FindsQemuByItsMarker()
    {
        var state = await fixture.UpAsync();
        // A crash of the process that booted it: lab.json lost, qemu still running.
        File.Delete(StorageLab.StateFile);

        await _lab.DownAsync();

        Assert.False(StorageLab.IsQemu(state.QemuPid), "qemu was stopped");
        StorageLabLeftovers.AssertNone();
    }

    private async Task<CommandResult> Exec(string commandLine)
    {
        var result = await _lab.ExecAsync(commandLine, s_commandTimeout);
        Assert.True(result.ExitCode != 255, $"ssh failed: {result.StandardError}");
        return result;
    }
}
