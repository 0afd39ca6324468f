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
/// channels one connection may hold (fewer where the server allows fewer) wait their turn without blocking a thread.
/// </remarks>
public sealed class SshNetHost : ISshHost
{
    /// <summary>The channels commands may hold at once on one connection, unless the server allows fewer.</summary>
    internal const int CommandChannels = SshNetChannels.Default;

    // A connection that goes while commands wait for a channel is replaced, and they wait on the new one; past this
    // many connections gone before its turn, a command gives up.
    private const int Connections = 3;

    // As SshHost: ConnectTimeout bounds the TCP connection and each wait for the server; this much more, and the
    // connection attempt is abandoned whatever it is doing.
    private static readonly TimeSpan s_connectSlack = TimeSpan.FromSeconds(3);

    private readonly Transcript? _transcript;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
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
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // One time-out for the whole command, its wait for a channel included, as it covers ssh's whole run with OpenSSH.
        var limit = Task.Delay(command.Timeout ?? Timeout.InfiniteTimeSpan, stop.Token);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await connection.RunAsync(command, limit, cancellationToken).ConfigureAwait(false);
                }
                catch (SshNetConnection.NotStartedException) when (attempt < Connections)
                {
                    // Nothing of the command had been sent, so a new connection cannot run it twice: ssh, too, connects
                    // anew when its master has gone.
                }
                catch (SshNetConnection.NotStartedException gone)
                {
                    throw SshNetFailures.NeverStarted(Name, Target, command, attempt, gone.Reason);
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
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
