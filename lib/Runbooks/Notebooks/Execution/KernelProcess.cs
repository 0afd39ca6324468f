using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Notebooks.Execution;

/// <summary>A cell that ran past its time; the kernel was stopped, with everything it had started.</summary>
public sealed class CellTimeoutException(int cell, TimeSpan timeout)
    : Exception($"cell {cell} did not finish within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s; the kernel and every process it started were stopped.")
{
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>The kernel process ended on its own (crash, Environment.Exit, killed from outside).</summary>
public sealed class KernelDiedException(string message) : Exception(message);

/// <summary>
/// The engine's side of one kernel process. A kernel runs in its own process so that a runaway cell (a CPU
/// loop, a hung ssh) can always be stopped: a thread in .NET cannot be aborted, a process tree can be killed.
/// </summary>
public sealed class KernelProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(2);

    private readonly Process _process;
    private readonly Socket _listener;
    private readonly string _socketDirectory;
    private readonly Channel<KernelMessage> _inbox = Channel.CreateUnbounded<KernelMessage>();
    private readonly StringBuilder _stderrTail = new();
    private Socket? _connection;
    private StreamWriter? _writer;
    private volatile int _currentCell;
    private int _disposed;
    private Task? _stderrPump;
    private TaskCompletionSource _stdoutDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _stderrDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KernelProcess(Process process, Socket listener, string socketDirectory)
    {
        _process = process;
        _listener = listener;
        _socketDirectory = socketDirectory;
    }

    public int ProcessId => _process.Id;

    /// <summary>Starts a kernel and waits until it is warm; <see cref="InitializeAsync"/> then gives it its notebook's folder.</summary>
    public static async Task<KernelProcess> StartAsync(KernelLauncher launcher, CancellationToken cancellationToken = default)
    {
        RemoveStaleSocketDirectories();
        var socketDirectory = Directory.CreateTempSubdirectory($"{SocketDirectoryPrefix}{Environment.ProcessId}-").FullName;
        var socketPath = Path.Combine(socketDirectory, "k.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);

        var start = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in launcher.LeadingArguments)
            start.ArgumentList.Add(argument);
        foreach (var argument in new[] { "--connect", socketPath, "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);

        var process = Process.Start(start) ?? throw new KernelDiedException($"could not start the kernel ({launcher.FileName}).");
        process.StandardInput.Close(); // a cell that reads the console gets end-of-input, not a hang
        var kernel = new KernelProcess(process, listener, socketDirectory);
        try
        {
            await kernel.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return kernel;
        }
        catch
        {
            await kernel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private const string SocketDirectoryPrefix = "runbook-kernel-";

    // An engine killed outright (SIGKILL) cannot remove its socket folder; the next one does, by owner pid.
    private static void RemoveStaleSocketDirectories()
    {
        foreach (var directory in System.IO.Directory.EnumerateDirectories(Path.GetTempPath(), SocketDirectoryPrefix + "*"))
        {
            var owner = Path.GetFileName(directory)[SocketDirectoryPrefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || System.IO.Directory.Exists($"/proc/{pid}"))
                continue;
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _ = PumpNativeAsync(_process.StandardOutput, StreamOutput.StandardOutput, () => _stdoutDrained);
        _stderrPump = PumpNativeAsync(_process.StandardError, StreamOutput.StandardError, () => _stderrDrained);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_startTimeout);
        var accept = _listener.AcceptAsync(timeout.Token).AsTask();
        var exited = _process.WaitForExitAsync(timeout.Token);
        try
        {
            if (await Task.WhenAny(accept, exited).ConfigureAwait(false) != accept)
                throw new KernelDiedException($"the kernel exited before it connected (exit code {ExitCodeOrUnknown()}). {await StderrTailAfterExitAsync().ConfigureAwait(false)}");
            _connection = await accept.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KernelDiedException($"the kernel did not connect within {s_startTimeout.TotalSeconds} s. {StderrTail()}");
        }
        var stream = new NetworkStream(_connection, ownsSocket: false);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        _ = ReadMessagesAsync(new StreamReader(stream, new UTF8Encoding(false)));

        var ready = await NextMessageAsync(DateTimeOffset.UtcNow + s_startTimeout, cell: 0, cancellationToken).ConfigureAwait(false);
        if (ready.Type != KernelMessage.Types.Ready)
            throw new KernelDiedException($"the kernel said '{ready.Type}' instead of ready.");
    }

    private async Task ReadMessagesAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
                await _inbox.Writer.WriteAsync(KernelMessage.FromJsonLine(line)).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _inbox.Writer.TryComplete();
    }

    private async Task PumpNativeAsync(StreamReader reader, string name, Func<TaskCompletionSource> drained)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line == KernelMessage.Sentinel(_currentCell))
                {
                    drained().TrySetResult();
                    continue;
                }
                if (name == StreamOutput.StandardError)
                    lock (_stderrTail)
                        _stderrTail.Append(line).Append('\n');
                if (_currentCell > 0)
                    await _inbox.Writer.WriteAsync(new KernelMessage { Type = KernelMessage.Types.Stream, Cell = _currentCell, Name = name, Text = line + "\n" }).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Tells the kernel its notebook's folder: its working directory and the base of #r and #load.</summary>
    public async Task InitializeAsync(string workingDirectory, IReadOnlyList<string> references, CancellationToken cancellationToken = default)
    {
        await SendAsync(new KernelMessage { Type = KernelMessage.Types.Init, Directory = workingDirectory, References = references }).ConfigureAwait(false);
        var reply = await NextMessageAsync(DateTimeOffset.UtcNow + s_startTimeout, cell: 0, cancellationToken).ConfigureAwait(false);
        if (reply.Type != KernelMessage.Types.Initialized)
            throw new KernelDiedException($"the kernel said '{reply.Type}' instead of initialized.");
    }

    /// <summary>
    /// Runs one cell, passing each output to <paramref name="onMessage"/> as it arrives, and returns the
    /// <c>complete</c> message. Throws <see cref="CellTimeoutException"/> after killing the kernel if the
    /// cell runs past <paramref name="deadline"/>.
    /// </summary>
    public async Task<KernelMessage> ExecuteAsync(int cell, string code, string language, DateTimeOffset deadline, TimeSpan timeoutForMessage, Action<KernelMessage> onMessage, CancellationToken cancellationToken = default)
    {
        _currentCell = cell;
        _stdoutDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _stderrDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await SendAsync(new KernelMessage { Type = KernelMessage.Types.Execute, Cell = cell, Code = code, Language = language }).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var message = await NextMessageAsync(deadline, cell, cancellationToken).ConfigureAwait(false);
                if (message.Type != KernelMessage.Types.Complete)
                {
                    onMessage(message);
                    continue;
                }
                await DrainAsync(cell, onMessage).ConfigureAwait(false);
                return message;
            }
        }
        catch (TimeoutException)
        {
            Kill();
            throw new CellTimeoutException(cell, timeoutForMessage);
        }
    }

    // Output of child processes arrives on the pipes, maybe after the cell's completion message:
    // wait for the sentinels the kernel wrote behind it, passing on what comes before them.
    private async Task DrainAsync(int cell, Action<KernelMessage> onMessage)
    {
        var drained = Task.WhenAll(_stdoutDrained.Task, _stderrDrained.Task);
        var limit = Task.Delay(s_drainTimeout);
        while (true)
        {
            while (_inbox.Reader.TryRead(out var late))
                if (late.Cell == cell)
                    onMessage(late);
            if (drained.IsCompleted || limit.IsCompleted)
                break;
            await Task.WhenAny(drained, limit, _inbox.Reader.WaitToReadAsync().AsTask()).ConfigureAwait(false);
        }
        _currentCell = 0;
    }

    private async Task<KernelMessage> NextMessageAsync(DateTimeOffset deadline, int cell, CancellationToken cancellationToken)
    {
        var remaining = deadline - DateTimeOffset.UtcNow;
        if (remaining <= TimeSpan.Zero)
            throw new TimeoutException();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(remaining);
        try
        {
            if (await _inbox.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false) && _inbox.Reader.TryRead(out var message))
                return message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        throw new KernelDiedException(
            $"the kernel process ended while {(cell > 0 ? $"cell {cell} was running" : "starting")} (exit code {ExitCodeOrUnknown()}; a cell that calls Environment.Exit or crashes the process ends the kernel). {await StderrTailAfterExitAsync().ConfigureAwait(false)}".TrimEnd());
    }

    private async Task SendAsync(KernelMessage message)
    {
        try
        {
            await _writer!.WriteLineAsync(message.ToJsonLine()).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new KernelDiedException($"the kernel is gone (exit code {ExitCodeOrUnknown()}): {e.Message}");
        }
    }

    private string ExitCodeOrUnknown() => _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "unknown";

    // The process can be seen to exit before its last stderr lines are read: let the reader finish first.
    private async Task<string> StderrTailAfterExitAsync()
    {
        if (_stderrPump is { } pump)
            await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        return StderrTail();
    }

    private string StderrTail()
    {
        lock (_stderrTail)
        {
            var text = _stderrTail.ToString().Trim();
            return text.Length == 0 ? string.Empty : "Its last error output: " + (text.Length > 2000 ? text[^2000..] : text);
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        if (_writer is not null && !_process.HasExited)
        {
            try
            {
                await SendAsync(new KernelMessage { Type = KernelMessage.Types.Shutdown }).ConfigureAwait(false);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KernelDiedException or TimeoutException)
            {
            }
        }
        Kill();
        _connection?.Dispose();
        _listener.Dispose();
        _process.Dispose();
        try
        {
            Directory.Delete(_socketDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
