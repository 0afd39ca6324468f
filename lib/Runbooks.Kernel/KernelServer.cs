using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace Runbooks.Notebooks.Kernel;

/// <summary>
/// The kernel process's main loop: connects back to the engine, runs each <c>execute</c> it receives and
/// reports what the cell wrote and displayed. <see cref="Console.Out"/> is captured in order with displays;
/// what child processes write straight to the inherited stdout/stderr is read by the engine from the pipes,
/// and a sentinel line written after each cell tells it that everything of that cell has arrived.
/// </summary>
public static class KernelServer
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<int> RunAsync(string socketPath)
    {
        // The compiler's warm-up overlaps with connecting and with the engine's own start.
        var warmUp = Task.Run(CSharpScriptKernel.WarmUpAsync);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        var channel = new KernelChannel(new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true });

        var rawOut = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
        var rawErr = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(false)) { AutoFlush = true };
        var sink = new ChannelSink(channel);
        using var capturedOut = new CellOutputWriter(sink, StreamOutput.StandardOutput);
        using var capturedErr = new CellOutputWriter(sink, StreamOutput.StandardError);
        sink.Captures = [capturedOut, capturedErr];
        Console.SetOut(capturedOut);
        Console.SetError(capturedErr);
        DisplayBus.Sink = sink;

        // Output of a cell that never ends (a loop, a hang) must still reach the engine before it is killed.
        using var flusher = new Timer(_ =>
        {
            capturedOut.Flush();
            capturedErr.Flush();
        }, null, FlushInterval, FlushInterval);

        await warmUp.ConfigureAwait(false);
        CSharpScriptKernel? kernel = null;
        channel.Send(new KernelMessage { Type = KernelMessage.Types.Ready });

        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var request = KernelMessage.FromJsonLine(line);
            if (request.Type == KernelMessage.Types.Shutdown)
                break;
            if (request.Type == KernelMessage.Types.Init)
            {
                var directory = Path.GetFullPath(request.Directory ?? Environment.CurrentDirectory);
                Environment.CurrentDirectory = directory;
                kernel = new CSharpScriptKernel(directory, request.References ?? []);
                channel.Send(new KernelMessage { Type = KernelMessage.Types.Initialized });
                continue;
            }
            if (request.Type != KernelMessage.Types.Execute)
                continue;
            kernel ??= new CSharpScriptKernel(Environment.CurrentDirectory);

            sink.Cell = request.Cell;
            var stopwatch = Stopwatch.StartNew();
            var error = request.Language switch
            {
                null or KernelNames.CSharp => await kernel.ExecuteAsync(request.Cell, request.Code ?? string.Empty, sink).ConfigureAwait(false),
                KernelNames.Value => kernel.StoreValueCell(request.Code ?? string.Empty),
                _ => new KernelError("UnsupportedKernel", $"this engine runs C# cells only; the cell is '{request.Language}'.", null, []),
            };
            capturedOut.Flush();
            capturedErr.Flush();
            rawOut.WriteLine(KernelMessage.Sentinel(request.Cell));
            rawErr.WriteLine(KernelMessage.Sentinel(request.Cell));
            channel.Send(new KernelMessage
            {
                Type = KernelMessage.Types.Complete,
                Cell = request.Cell,
                Status = error is null ? "ok" : "error",
                Error = error,
                DurationMs = stopwatch.Elapsed.TotalMilliseconds,
            });
        }
        return 0;
    }

    private sealed class KernelChannel(StreamWriter writer)
    {
        private readonly Lock _gate = new();

        public void Send(KernelMessage message)
        {
            lock (_gate)
                writer.WriteLine(message.ToJsonLine());
        }
    }

    private sealed class ChannelSink(KernelChannel channel) : ICellSink, IDisplaySink
    {
        public int Cell { get; set; }

        public IReadOnlyList<CellOutputWriter> Captures { get; set; } = [];

        public void Stream(string name, string text) =>
            channel.Send(new KernelMessage { Type = KernelMessage.Types.Stream, Cell = Cell, Name = name, Text = text });

        public void Display(string displayId, IReadOnlyList<MimeData> data) => Send(KernelMessage.Types.Display, displayId, data);

        public void UpdateDisplay(string displayId, IReadOnlyList<MimeData> data) => Send(KernelMessage.Types.Update, displayId, data);

        public void Result(IReadOnlyList<MimeData> data) => Send(KernelMessage.Types.Result, null, data);

        void IDisplaySink.Show(string displayId, IReadOnlyList<FormattedValue> values) => Display(displayId, ToMime(values));

        void IDisplaySink.Update(string displayId, IReadOnlyList<FormattedValue> values) => UpdateDisplay(displayId, ToMime(values));

        private static MimeData[] ToMime(IReadOnlyList<FormattedValue> values) => [.. values.Select(v => new MimeData(v.MimeType, v.Value))];

        // Text written before a display must appear before it: flush the console captures first.
        private void Send(string type, string? displayId, IReadOnlyList<MimeData> data)
        {
            foreach (var capture in Captures)
                capture.Flush();
            channel.Send(new KernelMessage { Type = type, Cell = Cell, DisplayId = displayId, Data = data });
        }
    }
}
