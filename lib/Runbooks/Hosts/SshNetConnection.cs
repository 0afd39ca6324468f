using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Runbooks.Hosts;

/// <summary>
/// One SSH.NET connection of a <see cref="SshNetHost"/>: opened with the host key checked against known_hosts,
/// running commands on channels of their own, and watched by a heartbeat so that a server that stops answering
/// is noticed while a command runs (SSH.NET's own keep-alive expects no answer, so it notices nothing).
/// </summary>
internal sealed class SshNetConnection : IDisposable
{
    /// <summary>How messages name this client when they quote it.</summary>
    public const string Client = "SSH.NET";

    // SSH.NET blocks a thread, not a task, once this many channels are open; the commands' (SshNetChannels) and the
    // heartbeat's stay below it.
    public const int MaxChannels = 10;

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly SshClient _client;
    private readonly SshTarget _target;
    private readonly string _hostName;
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SshNetHeartbeat _heartbeat;
    private readonly SshNetChannels _channels = new();

    private SshNetConnection(SshClient client, SshTarget target, string hostName)
    {
        _client = client;
        _target = target;
        _hostName = hostName;
        _client.ErrorOccurred += (_, e) => MarkLost(e.Exception.Message);
        _heartbeat = new SshNetHeartbeat(client, target.ServerAliveInterval, target.ServerAliveCountMax, MarkLost);
    }

    /// <summary>The connection went while the command waited for a channel: nothing of it was sent, so it is safe to run
    /// it on a new connection.</summary>
    public sealed class NotStartedException(string reason, Exception? inner = null)
        : Exception($"the connection went before the command started: {reason}", inner)
    {
        public string Reason { get; } = reason;
    }

    public bool IsAlive => !_lost.Task.IsCompleted && _client.IsConnected;

    /// <exception cref="HostConnectionException">A subtype naming the cause, worded as for the OpenSSH transport.</exception>
    public static async Task<SshNetConnection> OpenAsync(SshTarget target, string hostName, TimeSpan limit, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync(info => new SshClient(info), target, hostName, limit, cancellationToken).ConfigureAwait(false);
        // SSH.NET waits for every answer of the server as long as it waited to connect. ConnectTimeout is short, and a
        // loaded server answered a channel's opening later than that: the wait ran out although the command had been
        // sent, and it was run twice. Once connected, the server is given up on when ssh would give up on it.
        client.ConnectionInfo.Timeout = target.ServerAliveInterval * target.ServerAliveCountMax;
        var connection = new SshNetConnection(client, target, hostName);
        connection._heartbeat.Start();
        return connection;
    }

    /// <summary>Makes and connects an SSH.NET client (a command or an SFTP client) with the target's identities and the
    /// host key checked against known_hosts.</summary>
    /// <exception cref="HostConnectionException">A subtype naming the cause, worded as for the OpenSSH transport.</exception>
    public static async Task<TClient> ConnectAsync<TClient>(Func<ConnectionInfo, TClient> make, SshTarget target, string hostName, TimeSpan limit,
        CancellationToken cancellationToken) where TClient : BaseClient
    {
        var keys = await SshNetCredentials.LoadAsync(target, hostName, cancellationToken).ConfigureAwait(false);
        var user = target.User ?? Environment.UserName;
        var port = target.Port ?? 22;
        var info = new ConnectionInfo(target.Host, port, user, new PrivateKeyAuthenticationMethod(user, [.. keys]))
        {
            Timeout = target.ConnectTimeout,
            MaxSessions = MaxChannels,
        };
        var knownHosts = target.KnownHostsFile ?? KnownHosts.DefaultPath;
        PreferKnownKeyTypes(info, KnownHosts.TypesFor(knownHosts, target.Host, port));
        var client = make(info);
        var hostKey = new SshNetHostKeyCheck(knownHosts, target.Host, port, target.HostKeyPolicy);
        client.HostKeyReceived += hostKey.OnHostKeyReceived;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            await client.ConnectAsync(deadline.Token).ConfigureAwait(false);
            return client;
        }
        catch (Exception error)
        {
            client.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw SshNetFailures.OnConnect(error, hostKey.Refusal, hostName, target, limit, deadline.IsCancellationRequested);
        }
    }

    /// <summary>Runs one command on a channel of its own once one is free, to its end, its time-out or the connection's loss.</summary>
    /// <param name="limit">Completes when the command's time-out is up, its wait for a channel included, or when it is cancelled.</param>
    /// <exception cref="NotStartedException">The connection went while the command waited for a channel.</exception>
    /// <exception cref="ChildProcess.TimedOutException">Past <see cref="HostCommand.Timeout"/>: the channel was closed, the command may run on.</exception>
    /// <exception cref="HostConnectionLostException">The connection broke or stopped answering after the command was sent.</exception>
    /// <exception cref="HostConnectionException">The server refuses the command a channel even when it is the only one.</exception>
    public async Task<ChildProcess.Outcome> RunAsync(HostCommand command, Task limit, CancellationToken cancellationToken)
    {
        var input = command.StandardInput is { Length: > 0 } text ? s_utf8.GetBytes(text) : null;
        // SSH.NET sends end-of-file only after some input was written, so a command that reads an input it was
        // not given would wait for ever. Its shell reads /dev/null instead; the line itself runs unchanged after it.
        var line = input is null ? "exec </dev/null; " + command.CommandLine : command.CommandLine;
        var stop = Task.WhenAny(limit, _lost.Task);
        // The heartbeat's channel first: a server with few sessions could otherwise give the last one to a command
        // and leave the connection unwatched.
        await Task.WhenAny(_heartbeat.Started, stop).ConfigureAwait(false);
        while (true)
        {
            var entered = await _channels.EnterAsync(stop, cancellationToken).ConfigureAwait(false);
            if (!entered || limit.IsCompleted || !IsAlive)
            {
                if (entered)
                    _channels.Leave();
                throw NotStarted(command, limit, cancellationToken);
            }
            SshCommand remote;
            try
            {
                remote = _client.CreateCommand(line, s_utf8);
            }
            catch (Exception error) when (error is SshException or ObjectDisposedException)
            {
                _channels.Leave();
                throw new NotStartedException(error.Message, error);
            }
            var startedAt = DateTimeOffset.Now;
            var clock = Stopwatch.StartNew();
            // Opening the channel and sending the command block the calling thread until the server answers, which on a
            // loaded server takes seconds: a thread of their own, then, not the caller's, nor one of the pool, whose
            // starving delayed every other await of the process (connections timed out in tests running beside).
            var starting = Task.Factory.StartNew(() => remote.ExecuteAsync(CancellationToken.None), CancellationToken.None,
                TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (await Task.WhenAny(starting, stop).ConfigureAwait(false) != starting)
            {
                // The command may still start once the server answers. Its channel is closed then, and only then given
                // to another command, so that the server is never asked for more channels than it allows.
                _ = starting.ContinueWith(started =>
                {
                    if (started.IsCompletedSuccessfully)
                        Observe(started.Result);
                    else
                        _ = started.Exception;
                    Close(remote);
                    _channels.Leave();
                }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                throw Stopped(command, "", "", cancellationToken);
            }
            if (starting.Exception?.InnerException is { } refusal && IsRefusal(refusal))
            {
                Close(remote);
                if (_channels.Retire())
                    continue;
                _channels.Leave();
                throw SshNetFailures.ChannelRefused(_hostName, _target, command, refusal.Message);
            }
            try
            {
                if (starting.Exception?.InnerException is { } failure)
                {
                    if (failure is not (SshException or ObjectDisposedException or InvalidOperationException or SocketException))
                        ExceptionDispatchInfo.Throw(failure);
                    // Whether the command had been sent, nothing here tells: it is not run again.
                    MarkLost(failure is SshOperationTimeoutException
                        ? $"the server did not answer the opening of a channel within {_client.ConnectionInfo.Timeout.TotalSeconds:0.#} s"
                        : failure.Message);
                    throw Stopped(command, "", "", cancellationToken);
                }
                return await FinishAsync(remote, starting.Result, input, command, limit, startedAt, clock, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Close(remote);
                _channels.Leave();
            }
        }
    }

    public void Dispose()
    {
        _heartbeat.Dispose();
        _lost.TrySetResult("the connection was closed here");
        // A client whose server stopped answering can take a while to say goodbye; nothing waits for it.
        _ = Task.Run(_client.Dispose);
    }

    private async Task<ChildProcess.Outcome> FinishAsync(SshCommand remote, Task execution, byte[]? input, HostCommand command, Task limit,
        DateTimeOffset startedAt, Stopwatch clock, CancellationToken cancellationToken)
    {
        Observe(execution);
        var writing = input is null ? Task.CompletedTask : Task.Run(() => WriteInput(remote, input), CancellationToken.None);
        var first = await Task.WhenAny(execution, limit, _lost.Task).ConfigureAwait(false);
        if (first == execution && execution.IsCompletedSuccessfully)
        {
            var duration = clock.Elapsed;
            await Task.WhenAny(writing, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None)).ConfigureAwait(false);
            return new ChildProcess.Outcome(ExitCode(remote), Drain(remote.OutputStream), Drain(remote.ExtendedOutputStream), startedAt, duration);
        }
        if (first == execution)
            MarkLost(execution.Exception?.InnerException?.Message ?? "the channel failed");
        if (_lost.Task.IsCompleted)
            throw Stopped(command, "", "", cancellationToken);

        // Closing the channel sends no signal: as with the OpenSSH transport, the command may run on there.
        // The output streams close with it, and keep what had arrived; if the closing failed, they may never close.
        if (!Close(remote))
            throw Stopped(command, "", "", cancellationToken);
        throw Stopped(command, Drain(remote.OutputStream), Drain(remote.ExtendedOutputStream), cancellationToken);
    }

    /// <summary>Why a command that had been sent ends early: the connection's loss, its token, or its time-out.</summary>
    private Exception Stopped(HostCommand command, string output, string error, CancellationToken cancellationToken)
    {
        if (_lost.Task.IsCompleted)
            return SshFailures.ConnectionLost(_hostName, _target, command, _lost.Task.Result, Client);
        cancellationToken.ThrowIfCancellationRequested();
        return new ChildProcess.TimedOutException(command.Timeout!.Value, output, error);
    }

    /// <summary>Why a command that was never sent ends: its token, its time-out, or the connection's loss.</summary>
    private Exception NotStarted(HostCommand command, Task limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return limit.IsCompleted && command.Timeout is { } timeout
            ? new ChildProcess.TimedOutException(timeout, "", "")
            : new NotStartedException(_lost.Task.IsCompleted ? _lost.Task.Result : "the connection is closed");
    }

    // SSH.NET throws its base SshException, untyped, only when the server refused to open the channel (after a few
    // immediate retries); it types the connection's failures and time-outs. The server answered: the connection is fine.
    private bool IsRefusal(Exception error) => error.GetType() == typeof(SshException) && IsAlive;

    /// <summary>Disposes the command, closing its channel. False if that failed: SSH.NET's session, torn down meanwhile on
    /// another thread because the connection went, can fail the closing message in any way (a NullReferenceException
    /// inside SSH.NET, seen here, hid the connection's loss from the caller). The channel went with the connection.</summary>
    internal static bool Close(SshCommand command)
    {
        try
        {
            command.Dispose();
            return true;
        }
        catch (Exception error) when (error is NullReferenceException or ObjectDisposedException or SshException or SocketException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private void MarkLost(string reason)
    {
        if (_lost.TrySetResult(reason))
            _ = Task.Run(_client.Dispose);
    }

    private static void WriteInput(SshCommand remote, byte[] input)
    {
        try
        {
            // Disposing the stream after writing sends end-of-file.
            using var stream = remote.CreateInputStream();
            stream.Write(input);
        }
        catch (Exception error) when (error is SshException or ObjectDisposedException or InvalidOperationException)
        {
            // The command ended without reading all of it; its exit code tells the story.
        }
    }

    // The streams are closed once the command has ended or its channel was closed; what they hold is read without waiting.
    private static string Drain(Stream stream)
    {
        using var reader = new StreamReader(stream, s_utf8, detectEncodingFromByteOrderMarks: false);
        return reader.ReadToEnd();
    }

    private static int ExitCode(SshCommand remote) =>
        remote.ExitStatus ?? (remote.ExitSignal is { } signal ? 128 + SignalNumber(signal) : 255);

    // Numbers as on Linux; the names are the ones RFC 4254 lets a server send, without "SIG".
    private static int SignalNumber(string name) => name switch
    {
        "HUP" => 1, "INT" => 2, "QUIT" => 3, "ILL" => 4, "ABRT" => 6, "FPE" => 8, "KILL" => 9, "USR1" => 10,
        "SEGV" => 11, "USR2" => 12, "PIPE" => 13, "ALRM" => 14, "TERM" => 15, _ => 127,
    };

    // ssh asks first for the key types known_hosts holds for the host, so the key presented can be checked; host
    // certificates are not checked here (no @cert-authority support), so those algorithms are not offered at all.
    private static void PreferKnownKeyTypes(ConnectionInfo info, IReadOnlyList<string> knownTypes)
    {
        var all = info.HostKeyAlgorithms.Where(a => !a.Key.Contains("-cert-", StringComparison.Ordinal)).ToList();
        var preferred = all.Where(a => knownTypes.Contains(KeyTypeOf(a.Key))).Concat(all.Where(a => !knownTypes.Contains(KeyTypeOf(a.Key)))).ToList();
        info.HostKeyAlgorithms.Clear();
        foreach (var (name, factory) in preferred)
            info.HostKeyAlgorithms.Add(name, factory);
    }

    private static string KeyTypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;
}
