using Renci.SshNet;
using Renci.SshNet.Common;

namespace Runbooks.Hosts;

/// <summary>
/// A machine reached with SSH.NET, inside this process: no ssh binary, one connection for every command (each on a
/// channel of its own), about 3 times faster per command than <see cref="SshHost"/>'s ControlMaster. It reads no
/// ssh_config (no ProxyJump, Include, Match, aliases): what the <see cref="SshTarget"/> says is all it knows, and
/// a target with <see cref="SshTarget.Options"/> is refused.
/// </summary>
/// <remarks>
/// It keeps the promises <see cref="SshHost"/> makes, where SSH.NET on its own does not: the host key is checked
/// against known_hosts under the same policies; failures are the same exceptions with the same advice; a command
/// without input reads end-of-file; a heartbeat notices a server that stops answering while a command runs
/// (<see cref="SshTarget.ServerAliveInterval"/> × <see cref="SshTarget.ServerAliveCountMax"/>); and commands past the
/// channels one connection may hold wait their turn without blocking a thread.
/// </remarks>
public sealed class SshNetHost : ISshHost
{
    // The channels commands may hold at once: sshd's default MaxSessions is 10; the heartbeat holds one, one is spare.
    internal const int CommandChannels = SshNetConnection.MaxChannels - 2;

    // As SshHost: ConnectTimeout bounds the TCP connection and each wait for the server; this much more, and the
    // connection attempt is abandoned whatever it is doing.
    private static readonly TimeSpan s_connectSlack = TimeSpan.FromSeconds(3);

    private readonly Transcript? _transcript;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _channels = new(CommandChannels, CommandChannels);
    private SshNetConnection? _connection;
    private int _disposed;

    /// <exception cref="ArgumentException">The target has <see cref="SshTarget.Options"/>, which only OpenSSH reads.</exception>
    public SshNetHost(SshTarget target, Transcript? transcript = null)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
        if (!target.Options.IsEmpty)
        {
            throw new ArgumentException(
                $"SSH.NET takes no ssh options ({string.Join(", ", target.Options)}): it reads no ssh_config and has no ProxyJump. Use the OpenSSH transport for this target.",
                nameof(target));
        }
        _transcript = transcript;
    }

    public SshTarget Target { get; }

    /// <summary>The target's host name or address, as given.</summary>
    public string Name => Target.Host;

    public async Task ConnectAsync(CancellationToken cancellationToken = default) =>
        await ConnectionAsync(cancellationToken).ConfigureAwait(false);

    public Task<CommandResult> RunAsync(HostCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return CommandExecution.RunAsync(Name, command, _transcript, commandOutlivesKill: true,
            token => ExecuteAsync(command, token), cancellationToken);
    }

    /// <summary>Copies the file with SSH.NET's SFTP client, on a connection of its own (SSH.NET cannot open SFTP on the
    /// commands' connection), checked and logged in as that one is.</summary>
    public Task UploadAsync(string localFile, string remotePath, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return CommandExecution.UploadAsync(Name, localFile, remotePath, _transcript, async token =>
        {
            using var sftp = await SshNetConnection.ConnectAsync(info => new SftpClient(info), Target, Name, Target.ConnectTimeout + s_connectSlack, token)
                .ConfigureAwait(false);
            await using var content = File.OpenRead(localFile);
            try
            {
                await sftp.UploadFileAsync(content, remotePath, token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SshException or IOException)
            {
                throw error is SshConnectionException
                    ? new HostConnectionLostException(Name, Target.ToString(), $"The connection to {Target} broke while {localFile} was copied to {remotePath}: {error.Message}", error.Message)
                    : new HostException(Name, $"SSH.NET could not copy {localFile} to {Target}:{remotePath}: {error.Message}", error);
            }
        }, cancellationToken);
    }

    /// <summary>Closes the connection. Commands still running are cut off.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _connection?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<ChildProcess.Outcome> ExecuteAsync(HostCommand command, CancellationToken cancellationToken)
    {
        // The command's time-out covers its wait for a channel too, as it covers ssh's whole run with OpenSSH.
        using (var queued = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            if (command.Timeout is { } limit)
                queued.CancelAfter(limit);
            try
            {
                await _channels.WaitAsync(queued.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ChildProcess.TimedOutException(command.Timeout!.Value, "", "");
            }
        }
        try
        {
            var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await connection.RunAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (SshNetConnection.NotStartedException)
            {
                // The connection had gone (idle, or the server restarted) before the command began, so running it on a
                // new one cannot run it twice. ssh does the same when its master has gone.
                connection.Dispose();
                return await (await ConnectionAsync(cancellationToken).ConfigureAwait(false)).RunAsync(command, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _channels.Release();
        }
    }

    private async Task<SshNetConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsAlive: true } open)
                return open;
            _connection?.Dispose();
            _connection = null;
            var connection = await SshNetConnection.OpenAsync(Target, Name, Target.ConnectTimeout + s_connectSlack, cancellationToken).ConfigureAwait(false);
            if (_disposed != 0)
            {
                connection.Dispose();
                throw new ObjectDisposedException(nameof(SshNetHost));
            }
            return _connection = connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
