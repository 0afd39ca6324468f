using System.Diagnostics;
using System.Globalization;
using Runbooks.Hosts;
using Runbooks.Text;

namespace Runbooks.Labs.Network;

/// <summary>
/// The local twin of the Fly.io "network challenge": machines wg-server and wg-client on an IPv6 fabric, each a
/// set of namespaces with its own sshd, wg0 (wireguard-go) and files, built broken with the faults N1–N7 of the
/// fault catalogue (docs/labs.md). Needs root. Safe to use from several processes: building and removing take a
/// lock, and every <see cref="UpAsync"/> starts from nothing.
/// </summary>
/// <remarks>
/// The work is done by Network/network-lab.sh, embedded in this assembly; this class runs it, keeps two runs
/// apart, reads what it recorded (lab.json), and enters the machines with nsenter for <see cref="ExecAsync"/>.
/// </remarks>
public sealed class NetworkLab
{
    public const string Name = "network";

    /// <summary>Where a built lab keeps its files and lab.json; recreated by every <see cref="UpAsync"/>.</summary>
    public const string StateFolder = LabScript.RunFolder + "/network";

    public const string StateFile = StateFolder + "/lab.json";

    public const string KnownHostsFile = StateFolder + "/known_hosts";

    /// <summary>The machines' hostnames, server first.</summary>
    public static IReadOnlyList<string> MachineNames { get; } = ["wg-server", "wg-client"];

    /// <summary>Every name <see cref="ExecAsync"/> accepts for a machine.</summary>
    public static IReadOnlyList<string> AcceptedMachineNames { get; } = ["server", "client", "wg-server", "wg-client"];

    // The build script marks each holder's command line with this plus the machine's name.
    private const string HolderMarker = "runbook-lab-holder:network:";

    private static readonly TimeSpan s_upTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_downTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_statusTimeout = TimeSpan.FromSeconds(10);

    // What a command on a machine sees: the PATH sshd gives root, nothing of this process's environment.
    private static readonly string[] s_machineEnvironment =
        ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"];

    private static readonly LabScript s_script = new(Name, "Network",
    [
        new("wireguard-go", "wireguard-go"),
        new("wg", "wireguard-tools"),
        new("wg-quick", "wireguard-tools"),
        new("sshd", "openssh-server"),
        new("ssh-keygen", "openssh-client"),
        // Debian's own, not whatever python3 a version manager puts first on PATH.
        new("/usr/bin/python3", "python3"),
        new("nft", "nftables"),
        new("ip", "iproute2"),
        new("ss", "iproute2"),
        new("ip6tables", "iptables"),
        new("ip6tables-legacy", "iptables"),
        new("nsenter", "util-linux"),
        new("unshare", "util-linux"),
        new("setsid", "util-linux"),
        new("pgrep", "procps"),
        new("curl", "curl"),
        new("ping", "iputils-ping"),
    ], "it creates network namespaces, a bridge and nft tables.");

    /// <param name="identityFile">The login key the machines accept; made on first use. Default: <see cref="DefaultIdentityFile"/>.</param>
    public NetworkLab(string? identityFile = null)
    {
        IdentityFile = identityFile is null ? DefaultIdentityFile() : Path.GetFullPath(identityFile);
    }

    public string IdentityFile { get; }

    /// <summary><c>${XDG_CACHE_HOME:-$HOME/.cache}/runbook/lab/network/id_ed25519</c>: made once and kept, so an
    /// engineer's ssh config can point at it for good.</summary>
    public static string DefaultIdentityFile() => Path.Combine(LabScript.CacheFolder(Name), "id_ed25519");

    /// <summary>The canonical name (<c>wg-server</c>, <c>wg-client</c>) of a machine named in any accepted way.</summary>
    /// <exception cref="LabInputException">Not a machine of this lab; the message lists the valid names.</exception>
    public static string ResolveMachineName(string machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return machine.Trim().ToLowerInvariant() switch
        {
            "server" or "wg-server" => "wg-server",
            "client" or "wg-client" => "wg-client",
            _ => throw new LabInputException(
                $"the network lab has no machine '{machine}'; use one of: {string.Join(", ", AcceptedMachineNames)}"
                + Suggestions.Hint(machine, AcceptedMachineNames)),
        };
    }

    /// <summary>The lab as lab.json recorded it, or null when none is built.</summary>
    /// <exception cref="LabException">lab.json exists but is unreadable.</exception>
    public static NetworkLabState? ReadState() => NetworkLabState.Read(StateFile);

    /// <summary>
    /// Builds a fresh twin with every planted fault in place, first removing any previous one (whatever state it
    /// was left in), so each call starts broken and pristine. About half a second.
    /// </summary>
    /// <exception cref="LabPrerequisiteException">Not root, or a tool is missing; nothing was built.</exception>
    /// <exception cref="LabException">The build failed; what it had made was removed again.</exception>
    public async Task<NetworkLabState> UpAsync(CancellationToken cancellationToken = default)
    {
        s_script.CheckPrerequisites();
        using var _ = await s_script.LockAsync(s_lockTimeout, cancellationToken).ConfigureAwait(false);
        await DownLockedAsync(cancellationToken).ConfigureAwait(false);
        CommandResult build;
        try
        {
            build = await s_script.RunAsync(["up", IdentityFile], s_upTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (HostCommandTimeoutException e)
        {
            await DownLockedAsync(CancellationToken.None).ConfigureAwait(false);
            throw new LabException($"building the network lab took over {s_upTimeout.TotalSeconds:0} s and was stopped ({LabScript.Tail(e.PartialStandardError)}); everything it had made was removed again.", e);
        }
        if (!build.Succeeded)
        {
            // A half-built lab would make the next command fail in confusing ways; leave nothing instead.
            await DownLockedAsync(CancellationToken.None).ConfigureAwait(false);
            throw new LabException($"could not build the network lab (exit code {build.ExitCode}): {LabScript.Tail(build.StandardError)} Everything it had made was removed again.");
        }
        return ReadState() ?? throw new LabException($"the network lab's build script finished but wrote no {StateFile}; the build script is broken.");
    }

    /// <summary>
    /// Removes everything <see cref="UpAsync"/> makes: the machines (killing each holder kills every process in it and
    /// frees its mounts), the bridge, the veths, the nft table and the state folder. Finds the machines by the PIDs in
    /// lab.json and, when that is missing or stale after a crash, by the marker in their command lines. Does nothing
    /// when nothing exists.
    /// </summary>
    public async Task DownAsync(CancellationToken cancellationToken = default)
    {
        s_script.CheckRoot();
        using var _ = await s_script.LockAsync(s_lockTimeout, cancellationToken).ConfigureAwait(false);
        await DownLockedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the lab is up and, per machine, whether its holder, sshd, wg0 and web server are.</summary>
    public async Task<NetworkLabStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        if (LabScript.ReadOrNull(ReadState) is not { } state)
            return NetworkLabStatus.Down;

        var machines = new List<NetworkMachineStatus>();
        foreach (var machine in state.Machines)
        {
            var alive = IsHolder(machine.HolderPid, machine.Name);
            var (sshd, wg0, http) = (false, false, false);
            if (alive)
            {
                // One entry per machine; each probe prints a line only when what it looks for is there.
                var probe = await RunInMachineAsync(machine, """
                    pgrep -x sshd >/dev/null && echo sshd
                    ip -o link show dev wg0 2>/dev/null | grep -q '[<,]UP[,>]' && echo wg0
                    ss -Hltn 'sport = :8080' | grep -q . && echo http
                    true
                    """, s_statusTimeout, cancellationToken).ConfigureAwait(false);
                var seen = probe.StandardOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                (sshd, wg0, http) = (seen.Contains("sshd"), seen.Contains("wg0"), seen.Contains("http"));
            }
            machines.Add(new NetworkMachineStatus(machine.Name, machine.Role, machine.Address6pn, machine.HolderPid, alive, sshd, wg0, http));
        }
        return new NetworkLabStatus(machines.All(m => m.HolderAlive), state.BuiltAt, machines);
    }

    /// <summary>
    /// Runs <paramref name="commandLine"/> with bash on <paramref name="machine"/>, as root in /root, with the environment an
    /// ssh login would have: the console an engineer uses when ssh is what broke. Every exit code is a result.
    /// </summary>
    /// <param name="machine"><c>server</c>, <c>client</c>, <c>wg-server</c> or <c>wg-client</c>.</param>
    /// <param name="timeout">After this the command is killed and <see cref="HostCommandTimeoutException"/> thrown; null waits for ever.</param>
    /// <returns>The result, with <see cref="CommandResult.HostName"/> the machine's hostname and
    /// <see cref="CommandResult.CommandLine"/> the line as given.</returns>
    /// <exception cref="LabInputException">No such machine.</exception>
    /// <exception cref="LabNotUpException">The lab is not up.</exception>
    public Task<CommandResult> ExecAsync(string machine, string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        return RunInMachineAsync(RunningMachine(machine), commandLine, timeout, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="ExecAsync"/>, but the command shares this process's terminal (standard input, output and
    /// error), so its output appears as it is written and interactive programs work. Returns its exit code.
    /// </summary>
    public async Task<int> ExecAttachedAsync(string machine, string commandLine, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        // The terminal is this process's, so full-screen and line-editing programs need its type.
        var terminal = Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term ? term : "dumb";
        return await LabScript.RunAttachedAsync(new ProcessStartInfo("nsenter", ConsoleArguments(RunningMachine(machine), commandLine, $"TERM={terminal}")),
            "util-linux", cancellationToken).ConfigureAwait(false);
    }

    private NetworkLabMachine RunningMachine(string machine)
    {
        var name = ResolveMachineName(machine);
        var found = s_script.ReadUp(ReadState, "build").Machine(name);
        if (!IsHolder(found.HolderPid, found.Name))
            throw new LabNotUpException($"the network lab's {found.Name} is gone (its holder, PID {found.HolderPid}, no longer runs). Run `runbook lab up network` to build the lab again.");
        return found;
    }

    private async Task<CommandResult> RunInMachineAsync(NetworkLabMachine machine, string commandLine, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var command = HostCommand.Exec("nsenter", ConsoleArguments(machine, commandLine, "TERM=dumb")).WithValidation(CommandValidation.None);
        if (timeout is { } limit)
            command = command.WithTimeout(limit);
        var result = await s_script.Host.RunAsync(command, cancellationToken).ConfigureAwait(false);
        return result with { HostName = machine.Name, CommandLine = commandLine };
    }

    // Enters all of the holder's namespaces. -p matters: a daemon started from a command (wg-quick starts
    // wireguard-go) then lives in the machine's PID namespace and dies with it.
    private static string[] ConsoleArguments(NetworkLabMachine machine, string commandLine, string terminal) =>
    [
        "-t", machine.HolderPid.ToString(CultureInfo.InvariantCulture), "-n", "-m", "-u", "-p", "--wd=/root", "--",
        "env", "-i", .. s_machineEnvironment, terminal, "bash", "-c", commandLine,
    ];

    // PIDs recorded by the last build; the script kills them only if they still are that lab's, and then
    // looks for holders by their marker anyway.
    private static Task DownLockedAsync(CancellationToken cancellationToken) =>
        s_script.DownAsync(LabScript.RecordedPids(ReadState, state => state.Machines.SelectMany(m => new[] { m.HolderPid, m.SshdPid })), s_downTimeout, cancellationToken);

    /// <summary>True if <paramref name="pid"/> runs and is the holder of <paramref name="machine"/> (not a process that reused the PID).</summary>
    internal static bool IsHolder(int pid, string machine)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return arguments.Contains(HolderMarker + machine, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
