using System.Globalization;

namespace Runbooks.Hosts;

/// <summary>
/// A machine reached with the OpenSSH client, so ~/.ssh/config, agents, certificates and ProxyJump work as
/// they do in a terminal. All commands share one multiplexed connection (ControlMaster), opened by
/// <see cref="ConnectAsync"/> or by the first command and closed by <see cref="DisposeAsync"/>: a command
/// then costs a round trip, not a new SSH handshake.
/// </summary>
/// <remarks>
/// ssh is always run non-interactively (BatchMode, no terminal, standard input closed when not given), so
/// it can fail but never wait for a prompt. ssh's own messages go to a log file (<c>-E</c>), so the
/// command's standard error holds only what the command wrote, and an exit code of 255 from the command is
/// told apart from ssh failing. Connection failures arrive as <see cref="HostConnectionException"/> subtypes.
/// </remarks>
public sealed class SshHost : ISshHost
{
    // ssh's ConnectTimeout covers the TCP connection and the SSH greeting, not the name lookup, key
    // exchange or login. This much more, and the connection attempt is abandoned whatever ssh is doing.
    private static readonly TimeSpan s_connectSlack = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_controlCommandTimeout = TimeSpan.FromSeconds(5);
    private const int SshFailedExitCode = 255;

    private readonly Transcript? _transcript;
    private readonly ControlFolder _folder;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private volatile bool _connected;
    private int _logNumber;
    private int _disposed;

    public SshHost(SshTarget target, Transcript? transcript = null)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
        _transcript = transcript;
        _folder = ControlFolder.Create();
    }

    public SshTarget Target { get; }

    /// <summary>The target's host name or address, as given.</summary>
    public string Name => Target.Host;

    /// <summary>The control socket of this host's master connection; it exists while the master runs.</summary>
    public string ControlPath => _folder.ControlPath;

    private string MasterLogPath => Path.Combine(_folder.Path, "master.log");

    /// <summary>
    /// Opens the shared connection now, so that a host that cannot be reached fails here with a connection
    /// error rather than at the first command. Does nothing when the connection is open. Returns or throws
    /// within <see cref="SshTarget.ConnectTimeout"/> plus a few seconds.
    /// </summary>
    /// <exception cref="HostUnreachableException">Not reached (name, refused, timed out, no route, no greeting).</exception>
    /// <exception cref="HostAuthenticationException">The login was refused.</exception>
    /// <exception cref="HostKeyMismatchException">The host key differs from the one in known_hosts.</exception>
    /// <exception cref="HostKeyUnknownException">The host key is unknown and the policy is Strict.</exception>
    /// <exception cref="HostConnectionException">ssh failed for another reason; its message is included.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connected && await IsMasterRunningAsync(cancellationToken).ConfigureAwait(false))
                return;
            _connected = false;
            File.Delete(MasterLogPath);
            var limit = Target.ConnectTimeout + s_connectSlack;
            ChildProcess.Outcome outcome;
            try
            {
                // -N -f: no command; return once logged in, leaving the master in the background, where
                // ControlPersist keeps it for the commands to come.
                outcome = await ChildProcess.RunAsync("ssh", [.. SshArguments(MasterLogPath), "-N", "-f", "--", Target.Host],
                    null, limit, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ChildProcess.TimedOutException)
            {
                throw SshFailures.NoAnswerInTime(Name, Target, limit, ReadLog(MasterLogPath));
            }
            if (outcome.ExitCode != 0)
            {
                var diagnostics = ReadLog(MasterLogPath);
                throw SshFailures.Classify(diagnostics, Name, Target) ?? SshFailures.Unclassified(diagnostics, Name, Target, outcome.ExitCode);
            }
            _connected = true;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public Task<CommandResult> RunAsync(HostCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return CommandExecution.RunAsync(Name, command, _transcript, commandOutlivesKill: true,
            token => ExecuteAsync(command, token), cancellationToken);
    }

    private async Task<ChildProcess.Outcome> ExecuteAsync(HostCommand command, CancellationToken cancellationToken)
    {
        if (!_connected)
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var logPath = Path.Combine(_folder.Path, "c" + Interlocked.Increment(ref _logNumber).ToString(CultureInfo.InvariantCulture) + ".log");
        try
        {
            var outcome = await ChildProcess.RunAsync("ssh", [.. SshArguments(logPath), "--", Target.Host, command.CommandLine],
                command.StandardInput, command.Timeout, null, cancellationToken).ConfigureAwait(false);
            if (outcome.ExitCode != SshFailedExitCode)
                return outcome;

            // 255 is what ssh exits with when it fails, and also a command's own exit code. ssh's log says
            // which: it names the failure. If it does not and the master is gone, the connection broke
            // under the command.
            var diagnostics = ReadLog(logPath);
            if (SshFailures.Classify(diagnostics, Name, Target) is { } failure)
                throw failure;
            if (!await IsMasterRunningAsync(CancellationToken.None).ConfigureAwait(false))
            {
                _connected = false;
                throw SshFailures.ConnectionLost(Name, Target, command, (diagnostics + "\n" + ReadLog(MasterLogPath)).Trim());
            }
            return outcome;
        }
        finally
        {
            File.Delete(logPath);
        }
    }

    /// <summary>Copies the file with <c>sftp</c> over the shared connection. Paths holding glob characters, quotes or
    /// backslashes are refused: sftp's batch language would read them as patterns or escapes.</summary>
    public Task UploadAsync(string localFile, string remotePath, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var batch = $"put {SftpPath(localFile)} {SftpPath(remotePath)}\n";
        return CommandExecution.UploadAsync(Name, localFile, remotePath, _transcript, async token =>
        {
            if (!_connected)
                await ConnectAsync(token).ConfigureAwait(false);
            // sftp takes ssh's options but not -E, -T, -p or -l; an IPv6 address needs brackets, or sftp reads a path after its ':'.
            var host = Target.Host.Contains(':') ? $"[{Target.Host}]" : Target.Host;
            var outcome = await ChildProcess.RunAsync("sftp", [.. SshOptions(), "-b", "-", "--", host], batch, null, null, token).ConfigureAwait(false);
            if (outcome.ExitCode != 0)
            {
                throw SshFailures.Classify(outcome.StandardError, Name, Target)
                    ?? new HostException(Name, $"sftp could not copy {localFile} to {Target}:{remotePath}: {outcome.StandardError.Trim()}");
            }
        }, cancellationToken);
    }

    private static string SftpPath(string path) =>
        path.IndexOfAny(['*', '?', '[', ']', '"', '\\']) < 0 && !path.Any(char.IsControl) && path.Length > 0
            ? $"\"{path}\""
            : throw new ArgumentException($"sftp cannot take the path '{path}' as given: it must not be empty or hold glob characters, quotes, backslashes or control characters.", nameof(path));

    /// <summary>Closes the shared connection (<c>ssh -O exit</c>) and removes its folder. Commands still
    /// running are cut off.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            if (File.Exists(ControlPath))
                await ControlCommandAsync("exit", CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _folder.Delete();
            _connectLock.Dispose();
        }
    }

    private async Task<bool> IsMasterRunningAsync(CancellationToken cancellationToken) =>
        File.Exists(ControlPath) && await ControlCommandAsync("check", cancellationToken).ConfigureAwait(false);

    private async Task<bool> ControlCommandAsync(string request, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await ChildProcess.RunAsync("ssh", ["-o", "ControlPath=" + ControlPath, "-O", request, "--", Target.Host],
                null, s_controlCommandTimeout, null, cancellationToken).ConfigureAwait(false);
            return outcome.ExitCode == 0;
        }
        catch (ChildProcess.TimedOutException)
        {
            return false;
        }
    }

    private List<string> SshArguments(string logPath)
    {
        // -E keeps ssh's messages out of the command's stderr; -T: no terminal, so stdout and stderr stay apart
        // and output has no \r.
        return ["-E", logPath, "-T", .. SshOptions()];
    }

    // What ssh and sftp share (sftp has no -p or -l, so Port and User are options too). ssh keeps the first value
    // it sees for an option, and these come before any ~/.ssh/config value.
    private List<string> SshOptions()
    {
        var arguments = new List<string>
        {
            "-o", "BatchMode=yes",
            "-o", "ControlMaster=auto",
            "-o", "ControlPath=" + ControlPath,
            "-o", "ControlPersist=" + Seconds(Target.ControlPersist),
            "-o", "ConnectTimeout=" + Seconds(Target.ConnectTimeout),
            "-o", "ServerAliveInterval=" + Seconds(Target.ServerAliveInterval),
            "-o", "ServerAliveCountMax=" + Target.ServerAliveCountMax.ToString(CultureInfo.InvariantCulture),
            "-o", "StrictHostKeyChecking=" + (Target.HostKeyPolicy == HostKeyPolicy.AcceptNew ? "accept-new" : "yes"),
        };
        if (Target.KnownHostsFile is { } knownHosts)
            arguments.AddRange(["-o", $"UserKnownHostsFile=\"{EscapePercent(knownHosts)}\""]);
        if (Target.IdentityFile is { } identity)
            arguments.AddRange(["-o", "IdentitiesOnly=yes", "-o", $"IdentityFile=\"{EscapePercent(identity)}\""]);
        foreach (var option in Target.Options)
            arguments.AddRange(["-o", option]);
        if (Target.Port is { } port)
            arguments.AddRange(["-o", "Port=" + port.ToString(CultureInfo.InvariantCulture)]);
        if (Target.User is { } user)
            arguments.AddRange(["-o", "User=" + user]);
        return arguments;
    }

    // ssh expands %h, %d … in these paths; a literal '%' is written '%%'.
    private static string EscapePercent(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    private static string Seconds(TimeSpan span) => HostCommand.WholeSeconds(span).ToString(CultureInfo.InvariantCulture);

    private static string ReadLog(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
