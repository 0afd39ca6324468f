using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Runbooks.Hosts;

namespace Runbooks.Labs.Storage;

/// <summary>
/// The local twin of the storage challenge's machine: a Debian 12 guest under qemu (software emulation) with real
/// LVM on loop devices, booted broken with the faults S1–S6 of the fault catalogue (docs/labs.md). The image is
/// built once and cached; every <see cref="UpAsync"/> boots a throwaway overlay on it, so each boot starts pristine.
/// Needs root. Building, booting and removing take a lock, so several processes can use it.
/// </summary>
/// <remarks>
/// The work is done by Storage/storage-lab.sh, embedded in this assembly (it also holds every file the guest runs, so
/// its text is the image's recipe); this class runs it, reads lab.json, and reaches the guest over ssh on loopback.
/// </remarks>
public sealed class StorageLab
{
    public const string Name = "storage";

    /// <summary>Where a booted lab keeps lab.json, known_hosts, the QMP socket and the console log.</summary>
    public const string StateFolder = LabScript.RunFolder + "/storage";

    public const string StateFile = StateFolder + "/lab.json";

    /// <summary>Loopback ports forwarded to the guest's sshd and object service (fixed: profiles name them).</summary>
    public const int SshPort = 10022;

    public const int HttpPort = 18000;

    /// <summary>What the real machine waits before its remounter turns /data read-only (fault S1).</summary>
    public static readonly TimeSpan DefaultRemountDelay = TimeSpan.FromSeconds(48);

    // qemu's -name; the script finds guests by it after a crash.
    private const string QemuMarker = "runbook-lab-vm:storage";

    // A cold image build downloads ~100 MB of packages and boots the guest once under emulation.
    private static readonly TimeSpan s_imageTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_downTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromMinutes(25);
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(3);

    private static readonly LabScript s_script = new(Name, "Storage",
    [
        new("qemu-system-x86_64", "qemu-system-x86"),
        new("qemu-img", "qemu-utils"),
        new("mmdebstrap", "mmdebstrap"),
        new("busybox", "busybox-static"),
        new("mkfs.ext4", "e2fsprogs"),
        new("e2fsck", "e2fsprogs"),
        new("cpio", "cpio"),
        new("depmod", "kmod"),
        new("apt-get", "apt"),
        new("ssh", "openssh-client"),
        new("ssh-keygen", "openssh-client"),
        new("/usr/bin/python3", "python3"),
        new("curl", "curl"),
        new("ss", "iproute2"),
    ], "it builds a root file system with mmdebstrap and runs qemu.");

    /// <summary>The build script's text: the recipe the image cache is keyed on.</summary>
    internal static string Script => s_script.Text;

    /// <param name="identityFile">The login key the guest accepts; made on first use. Default: <see cref="DefaultIdentityFile"/>.</param>
    public StorageLab(string? identityFile = null)
    {
        IdentityFile = identityFile is null ? DefaultIdentityFile() : Path.GetFullPath(identityFile);
    }

    public string IdentityFile { get; }

    /// <summary><c>${XDG_CACHE_HOME:-$HOME/.cache}/runbook/lab/storage</c>: the cached images, the login key, the running overlay.</summary>
    public static string CacheFolder() => LabScript.CacheFolder(Name);

    /// <summary><c>…/runbook/lab/storage/id_ed25519</c>: made once and kept; the guest gets its public half at every boot.</summary>
    public static string DefaultIdentityFile() => Path.Combine(CacheFolder(), "id_ed25519");

    /// <summary>The lab as lab.json recorded it, or null when none is up.</summary>
    /// <exception cref="LabException">lab.json exists but is unreadable.</exception>
    public static StorageLabState? ReadState() => StorageLabState.Read(StateFile);

    /// <summary>
    /// The folder of the cached guest image for the current recipe, building it first when it is missing (minutes;
    /// the build goes to a temporary folder renamed at the end, so a half-built image is never used).
    /// </summary>
    public async Task<string> EnsureImageAsync(CancellationToken cancellationToken = default)
    {
        s_script.CheckPrerequisites();
        using var _ = await s_script.LockAsync(s_lockTimeout, cancellationToken).ConfigureAwait(false);
        return await EnsureImageLockedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Boots a fresh twin with every planted fault in place, first removing any previous one, so each call starts
    /// broken and pristine. Builds the image first if it is not cached. Returns once sshd and the object service answer.
    /// </summary>
    /// <param name="remountDelay">When the hidden remounter (S1) starts keeping /data read-only; default 48 s, as on the real machine.</param>
    /// <exception cref="LabPrerequisiteException">Not root, or a tool is missing; nothing was built.</exception>
    /// <exception cref="LabException">The build or the boot failed; the guest was stopped again.</exception>
    public async Task<StorageLabState> UpAsync(TimeSpan? remountDelay = null, CancellationToken cancellationToken = default)
    {
        var delay = remountDelay ?? DefaultRemountDelay;
        if (delay < TimeSpan.Zero)
            throw new LabInputException($"the remount delay must not be negative (got {delay.TotalSeconds:0} s).");
        s_script.CheckPrerequisites();
        using var _ = await s_script.LockAsync(s_lockTimeout, cancellationToken).ConfigureAwait(false);
        await DownLockedAsync(cancellationToken).ConfigureAwait(false);
        var image = await EnsureImageLockedAsync(cancellationToken).ConfigureAwait(false);
        await EnsureKeyAsync(cancellationToken).ConfigureAwait(false);
        var seconds = ((int)Math.Round(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        CommandResult boot;
        try
        {
            boot = await s_script.RunAsync(["up", IdentityFile, seconds, image], s_bootTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (HostCommandTimeoutException e)
        {
            await DownLockedAsync(CancellationToken.None).ConfigureAwait(false);
            throw new LabException($"booting the storage lab took over {s_bootTimeout.TotalSeconds:0} s and was stopped ({LabScript.Tail(e.PartialStandardError)}); the guest was stopped again.", e);
        }
        if (!boot.Succeeded)
        {
            var console = ConsoleTail();
            await DownLockedAsync(CancellationToken.None).ConfigureAwait(false);
            throw new LabException($"could not boot the storage lab (exit code {boot.ExitCode}): {LabScript.Tail(boot.StandardError)}{console} The guest was stopped again.");
        }
        return ReadState() ?? throw new LabException($"the storage lab's script finished but wrote no {StateFile}; the script is broken.");
    }

    /// <summary>
    /// Stops the guest (QMP quit, then SIGKILL after 5 s) and removes its overlay and the state folder. Finds qemu by
    /// the PID in lab.json and, after a crash, by the marker in its command line. Does nothing when nothing runs.
    /// </summary>
    public async Task DownAsync(CancellationToken cancellationToken = default)
    {
        s_script.CheckRoot();
        using var _ = await s_script.LockAsync(s_lockTimeout, cancellationToken).ConfigureAwait(false);
        await DownLockedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the lab is up: qemu alive, sshd sending its banner, the object service answering HTTP.</summary>
    public async Task<StorageLabStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        if (LabScript.ReadOrNull(ReadState) is not { } state)
            return StorageLabStatus.Down;
        var alive = IsQemu(state.QemuPid);
        var ssh = alive && await SshBannerAsync(state.SshPort, cancellationToken).ConfigureAwait(false);
        var http = alive && await HttpAnswersAsync(state.HttpPort, cancellationToken).ConfigureAwait(false);
        return new StorageLabStatus(alive, state.BuiltAt, state.QemuPid, state.SshPort, state.HttpPort, alive, ssh, http);
    }

    /// <summary>
    /// Runs <paramref name="commandLine"/> on the guest as root over ssh with the lab's key (the words are run by the
    /// guest's login shell, as with ssh). Needs the guest's sshd: there is no other console. Every exit code is a result.
    /// </summary>
    /// <exception cref="LabNotUpException">The lab is not up.</exception>
    public async Task<CommandResult> ExecAsync(string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        var command = HostCommand.Exec("ssh", SshArguments(RunningState(), commandLine, tty: false)).WithValidation(CommandValidation.None);
        if (timeout is { } limit)
            command = command.WithTimeout(limit);
        var result = await s_script.Host.RunAsync(command, cancellationToken).ConfigureAwait(false);
        return result with { HostName = "storage", CommandLine = commandLine };
    }

    /// <summary>Like <see cref="ExecAsync"/>, on this process's terminal (a tty when it has one); returns the exit code.</summary>
    public async Task<int> ExecAttachedAsync(string commandLine, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        return await LabScript.RunAttachedAsync(new ProcessStartInfo("ssh", SshArguments(RunningState(), commandLine, tty: !Console.IsInputRedirected && !Console.IsOutputRedirected)),
            "openssh-client", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="commandLine"/> through the guest's serial console instead of ssh: the way in when sshd (or
    /// the network) is what broke. A root bash always waits on the guest's ttyS0, which qemu exposes as the unix socket
    /// <c>/run/runbook-lab/storage/console.sock</c>; this types the command there and reads its output up to a marker
    /// carrying its exit code. Standard error is merged into standard output (a terminal has one stream), and one
    /// client at a time: a second waits for the first.
    /// </summary>
    /// <exception cref="LabNotUpException">The lab is not up.</exception>
    /// <exception cref="LabException">The console did not answer within the timeout (its shell may be busy with an earlier command).</exception>
    public async Task<CommandResult> ExecConsoleAsync(string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        RunningState();
        var limit = timeout ?? TimeSpan.FromMinutes(10);
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var nonce = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(ConsoleSocket), deadline.Token).ConfigureAwait(false);
            // The typed lines are echoed back and show "%s" and "$?", never the nonce and a number: only the real
            // printf output matches the markers. Prompts off, so nothing but the command's output lies between them.
            var typed = "PS1= PS2= ; stty -echo\n"
                + $"printf '\\n__RB_BEGIN_%s__\\n' {nonce}; ( {commandLine}\n) < /dev/null; printf '\\n__RB_END_%s_%s__\\n' {nonce} \"$?\"\n";
            await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(typed), deadline.Token).ConfigureAwait(false);
            var received = new System.Text.StringBuilder();
            var buffer = new byte[8192];
            var end = new System.Text.RegularExpressions.Regex($@"__RB_BEGIN_{nonce}__\r?\n(?<out>.*?)\r?\n?__RB_END_{nonce}_(?<code>\d+)__",
                System.Text.RegularExpressions.RegexOptions.Singleline);
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, deadline.Token).ConfigureAwait(false);
                if (n == 0)
                    throw new LabException("the guest's console closed the connection (qemu stopped?).");
                received.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
                if (end.Match(received.ToString()) is { Success: true } match)
                {
                    var output = match.Groups["out"].Value.Replace("\r\n", "\n", StringComparison.Ordinal);
                    if (output.Length > 0 && !output.EndsWith('\n'))
                        output += "\n";
                    return new CommandResult("storage", commandLine, int.Parse(match.Groups["code"].Value, CultureInfo.InvariantCulture), output, "", startedAt, clock.Elapsed);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LabException($"the guest's console ({ConsoleSocket}) gave no answer within {limit.TotalSeconds:0} s; its shell may still be running an earlier command.");
        }
        catch (SocketException e)
        {
            throw new LabException($"could not reach the guest's console {ConsoleSocket} ({e.Message}). Run `runbook lab up storage` if the lab is down.", e);
        }
    }

    /// <summary>The unix socket of the guest's serial console (a root shell), while the lab is up.</summary>
    public const string ConsoleSocket = StateFolder + "/console.sock";

    /// <summary>The ssh command line that logs in to the booted guest (for messages and for engineers).</summary>
    public static string SshCommandLine(StorageLabState state) =>
        $"ssh -i {state.IdentityFile} -o UserKnownHostsFile={state.KnownHostsFile} -p {state.SshPort} root@127.0.0.1";

    private static List<string> SshArguments(StorageLabState state, string commandLine, bool tty) =>
    [
        "-i", state.IdentityFile, "-p", state.SshPort.ToString(CultureInfo.InvariantCulture),
        "-o", "UserKnownHostsFile=" + state.KnownHostsFile, "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
        // Nothing after the destination is an ssh option: a "--" there would reach the guest's shell as a word.
        tty ? "-t" : "-T", "root@127.0.0.1", commandLine,
    ];

    private static StorageLabState RunningState()
    {
        var state = s_script.ReadUp(ReadState, "boot");
        if (!IsQemu(state.QemuPid))
            throw new LabNotUpException($"the storage lab's guest is gone (qemu, PID {state.QemuPid}, no longer runs). Run `runbook lab up storage` to boot it again.");
        return state;
    }

    private async Task<string> EnsureImageLockedAsync(CancellationToken cancellationToken)
    {
        CommandResult build;
        try
        {
            build = await s_script.RunAsync(["image"], s_imageTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (HostCommandTimeoutException e)
        {
            throw new LabException($"building the storage lab's image took over {s_imageTimeout.TotalMinutes:0} min and was stopped ({LabScript.Tail(e.PartialStandardError)}); nothing was cached, the next `runbook lab up storage` starts over.", e);
        }
        if (!build.Succeeded)
            throw new LabException($"could not build the storage lab's image (exit code {build.ExitCode}): {LabScript.Tail(build.StandardError)} Nothing was cached.");
        return build.StandardOutput.Trim();
    }

    private async Task EnsureKeyAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(IdentityFile) && File.Exists(IdentityFile + ".pub"))
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(IdentityFile)!);
        File.Delete(IdentityFile);
        File.Delete(IdentityFile + ".pub");
        var made = await s_script.Host.RunAsync(
            HostCommand.Exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "runbook-lab-storage", "-f", IdentityFile).WithValidation(CommandValidation.None),
            cancellationToken).ConfigureAwait(false);
        if (!made.Succeeded)
            throw new LabException($"could not make the lab's login key {IdentityFile} with ssh-keygen: {LabScript.Tail(made.StandardError)}");
    }

    // The PID recorded by the last boot; the script stops it only if it still is the lab's qemu, and then looks for
    // guests by their marker anyway.
    private static Task DownLockedAsync(CancellationToken cancellationToken) =>
        s_script.DownAsync(LabScript.RecordedPids(ReadState, state => [state.QemuPid]), s_downTimeout, cancellationToken);

    private static async Task<bool> SshBannerAsync(int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_probeTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[4];
            var read = 0;
            var stream = client.GetStream();
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                    break;
                read += n;
            }
            return read == 4 && buffer.AsSpan().SequenceEqual("SSH-"u8);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<bool> HttpAnswersAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = s_probeTimeout };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>True if <paramref name="pid"/> runs and is the lab's qemu (not a process that reused the PID).</summary>
    internal static bool IsQemu(int pid)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return arguments.Contains(QemuMarker, StringComparer.Ordinal)
                && !File.ReadAllText($"/proc/{pid}/stat").Split(' ').ElementAtOrDefault(2)?.Equals("Z", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string ConsoleTail()
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(StateFolder, "console.log"));
            return lines.Length == 0 ? "" : " The guest's console ended with: " + string.Join(" | ", lines.TakeLast(8).Select(l => l.Trim()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
