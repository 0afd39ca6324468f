using System.Diagnostics;
using System.Text;

namespace Runbooks.Hosts;

/// <summary>Runs one local process to the end: input in, both outputs captured apart, a time limit,
/// cancellation. A process that runs out of time or is cancelled is killed with everything it started.</summary>
internal static class ChildProcess
{
    internal sealed record Outcome(int ExitCode, string StandardOutput, string StandardError, DateTimeOffset StartedAt, TimeSpan Duration);

    /// <summary>The process ran past its time limit and was killed; what it wrote until then.</summary>
    internal sealed class TimedOutException(TimeSpan timeout, string standardOutput, string standardError)
        : Exception($"the process did not finish within {timeout}")
    {
        public TimeSpan Timeout { get; } = timeout;
        public string StandardOutput { get; } = standardOutput;
        public string StandardError { get; } = standardError;
    }

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // A process may leave a child behind that still holds its stdout (`daemon &`); the read then never
    // reaches the end. After the process itself exits, its outputs get this long to finish.
    private static readonly TimeSpan s_outputDrainTimeout = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan s_killWaitTimeout = TimeSpan.FromSeconds(5);

    public static async Task<Outcome> RunAsync(
        string program,
        IEnumerable<string> arguments,
        string? standardInput,
        TimeSpan? timeout,
        IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken,
        string? workingDirectory = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = s_utf8,
            StandardOutputEncoding = s_utf8,
            StandardErrorEncoding = s_utf8,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        var startedAt = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        using var process = Start(start);
        var stdout = new OutputPump(process.StandardOutput);
        var stderr = new OutputPump(process.StandardError);
        var stdin = WriteInputAsync(process.StandardInput, standardInput);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } span)
            limit.CancelAfter(span);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync(process).ConfigureAwait(false);
            await DrainAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimedOutException(timeout!.Value, stdout.Text, stderr.Text);
        }
        var duration = clock.Elapsed;
        await DrainAsync().ConfigureAwait(false);
        return new Outcome(process.ExitCode, stdout.Text, stderr.Text, startedAt, duration);

        Task DrainAsync() => Task.WhenAll(
            stdout.FinishAsync(s_outputDrainTimeout),
            stderr.FinishAsync(s_outputDrainTimeout),
            Task.WhenAny(stdin, Task.Delay(s_outputDrainTimeout)));
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException(
                $"could not start {start.FileName}: {error.Message}. Is it installed? (scripts/install-deps.sh tools installs what runbooks use)", error);
        }
    }

    private static async Task WriteInputAsync(StreamWriter input, string? text)
    {
        try
        {
            // Closed in every case: a command that reads its input gets end-of-file instead of waiting for ever.
            if (text is not null)
                await input.WriteAsync(text).ConfigureAwait(false);
            input.Close();
        }
        catch (IOException)
        {
            // The process exited without reading all of it (broken pipe); its exit code tells the story.
        }
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the time limit and the kill.
        }
        using var wait = new CancellationTokenSource(s_killWaitTimeout);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGKILL was sent; a process stuck in the kernel (D state) is beyond reach, and waiting longer would hang the caller.
        }
    }

    /// <summary>Reads one output into memory as it arrives, so that what was written before a kill is kept.</summary>
    private sealed class OutputPump
    {
        private readonly StringBuilder _text = new();
        private readonly Task _reading;

        public OutputPump(StreamReader reader) => _reading = ReadAsync(reader);

        public string Text
        {
            get
            {
                lock (_text)
                    return _text.ToString();
            }
        }

        /// <summary>Waits for the end of the output, but no longer than <paramref name="drainTimeout"/>: a read
        /// left pending ends when the process object is disposed and its pipes closed.</summary>
        public Task FinishAsync(TimeSpan drainTimeout) => Task.WhenAny(_reading, Task.Delay(drainTimeout));

        private async Task ReadAsync(StreamReader reader)
        {
            var buffer = new char[16 * 1024];
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
                {
                    lock (_text)
                        _text.Append(buffer, 0, read);
                }
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
