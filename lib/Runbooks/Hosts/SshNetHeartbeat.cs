using Renci.SshNet;
using Renci.SshNet.Common;

namespace Runbooks.Hosts;

/// <summary>
/// What ServerAliveInterval and ServerAliveCountMax are to ssh, for an SSH.NET connection: a byte sent every interval
/// to a <c>cat</c> on a channel of its own, which must come back. After <c>countMax</c> intervals without an answer the
/// connection is declared lost, so a command running on a server that froze, or behind a tunnel that went down,
/// fails instead of waiting for TCP to give up (many minutes). The answer comes from the server's process, not its
/// kernel, so a stopped sshd counts as gone.
/// </summary>
internal sealed class SshNetHeartbeat(SshClient client, TimeSpan interval, int countMax, Action<string> lost) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _answers;

    /// <summary>Completes, never faulted, once the heartbeat's channel is open or could not be opened.</summary>
    public Task Started => _started.Task;

    // Opening the channel blocks until the server answers: on a thread of its own, as a command's does.
    public void Start() => _ = Task.Factory.StartNew(RunAsync, CancellationToken.None,
        TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
            _stop.Cancel();
    }

    private async Task RunAsync()
    {
        SshCommand? echo = null;
        try
        {
            echo = client.CreateCommand("exec cat");
            var running = echo.ExecuteAsync(CancellationToken.None);
            _started.TrySetResult();
            _ = running.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            using var input = echo.CreateInputStream();
            // The reader blocks its own thread: SSH.NET's output stream has no asynchronous read.
            var reader = new Thread(() => CountAnswers(echo.OutputStream)) { IsBackground = true, Name = "ssh.net heartbeat" };
            reader.Start();
            var missed = 0;
            var answered = Interlocked.Read(ref _answers);
            // A cat that ended (killed there) no longer answers, but says nothing about the connection: the watch ends.
            while (!_stop.IsCancellationRequested && !running.IsCompleted)
            {
                input.Write([(byte)'.']);
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                var now = Interlocked.Read(ref _answers);
                missed = now == answered ? missed + 1 : 0;
                answered = now;
                if (missed >= countMax && !running.IsCompleted)
                {
                    lost($"the server did not answer {countMax} keepalives, {interval.TotalSeconds:0.#} s apart (ServerAliveInterval, ServerAliveCountMax)");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SshOperationTimeoutException) when (!_started.Task.IsCompleted)
        {
            lost($"the server did not open the heartbeat's channel within {client.ConnectionInfo.Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception error) when (error is SshException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // The connection went, and whoever closed it has said why; or the server refused the channel, and then
            // the commands' channels are refused too, which says why to whoever runs one.
        }
        finally
        {
            _started.TrySetResult();
            if (echo is not null)
                SshNetConnection.Close(echo);
        }
    }

    private void CountAnswers(Stream output)
    {
        var buffer = new byte[256];
        try
        {
            while (output.Read(buffer, 0, buffer.Length) > 0)
                Interlocked.Increment(ref _answers);
        }
        catch (Exception error) when (error is ObjectDisposedException or IOException)
        {
        }
    }
}
