using System.Reflection;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.DotNet.Interactive;
using Runbooks.Jupyter.Protocol;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Jupyter;

/// <summary>
/// `runbook` as a Jupyter kernel: the engine's C# kernel (<see cref="CSharpScriptKernel"/> and the display bus,
/// the same core `runbook run` uses) behind the Jupyter messaging protocol 5.3. Shell requests run one after
/// another on the execution loop; control requests (interrupt, shutdown) and heartbeats are answered at once.
/// </summary>
public sealed class JupyterKernel
{
    private static readonly TimeSpan s_flushInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly Channel<JupyterMessage> _shellQueue = Channel.CreateUnbounded<JupyterMessage>(new() { SingleReader = true });
    private readonly TaskCompletionSource<bool> _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TextWriter _log;
    private readonly ConnectionInfo _connection;
    private readonly CellInterrupter _interrupter = new();
    private KernelSockets? _sockets;
    private IoPubSink? _sink;
    private CSharpScriptKernel? _kernel;
    private int _executionCount;
    private int _submission;

    public JupyterKernel(ConnectionInfo connection, TextWriter log)
    {
        _connection = connection;
        _log = log;
    }

    public static string Version => typeof(JupyterKernel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Serves until a shutdown_request; returns the exit code (0, or 1 when a stuck cell forces a restart).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        // SIGTERM (a client that gave up waiting for shutdown_reply) ends the kernel as a shutdown would.
        using var stop = cancellationToken.Register(() => _shutdown.TrySetResult(false));
        var warmUp = Task.Run(CSharpScriptKernel.WarmUpAsync);
        using var sockets = new KernelSockets(_connection, OnRequest, message => _log.WriteLine($"runbook kernel: {message}"));
        _sockets = sockets;
        _sink = new IoPubSink(Publish);
        using var capturedOut = new CellOutputWriter(_sink, StreamOutput.StandardOutput);
        using var capturedErr = new CellOutputWriter(_sink, StreamOutput.StandardError);
        _sink.Captures = [capturedOut, capturedErr];
        Console.SetOut(capturedOut);
        Console.SetError(capturedErr);
        DisplayBus.Sink = _sink;
        using var flusher = new Timer(_ => _sink.FlushCaptures(), null, s_flushInterval, s_flushInterval);

        sockets.Start();
        Publish("status", new JsonObject { ["execution_state"] = "starting" }, null);
        await warmUp.ConfigureAwait(false);
        _kernel = new CSharpScriptKernel(Environment.CurrentDirectory);

        _ = ServeShellAsync();
        var restart = await _shutdown.Task.ConfigureAwait(false);
        _shellQueue.Writer.TryComplete();
        _sink.FlushCaptures();
        return restart ? 1 : 0;
    }

    private void OnRequest(JupyterChannel channel, JupyterMessage request)
    {
        if (channel == JupyterChannel.Shell)
        {
            _shellQueue.Writer.TryWrite(request);
            return;
        }
        if (channel != JupyterChannel.Control)
            return; // stdin carries input_reply only; this kernel never asks for input
        WithStatus(request, () =>
        {
            switch (request.Type)
            {
                case "interrupt_request":
                    Reply(channel, request, "interrupt_reply", new JsonObject { ["status"] = "ok" });
                    _interrupter.Interrupt();
                    break;
                case "shutdown_request":
                    Shutdown(channel, request);
                    break;
                case "kernel_info_request":
                    Reply(channel, request, "kernel_info_reply", KernelInfo());
                    break;
                default:
                    _log.WriteLine($"runbook kernel: control request '{request.Type}' is not supported; ignored.");
                    break;
            }
        });
    }

    private async Task ServeShellAsync()
    {
        await foreach (var request in _shellQueue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Publish("status", new JsonObject { ["execution_state"] = "busy" }, request);
            try
            {
                await HandleShellAsync(request).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A bug of the kernel's own must not take it down: the client hears of it, the kernel stays.
                _log.WriteLine($"runbook kernel: {request.Type} failed: {e}");
                Reply(JupyterChannel.Shell, request, request.Type.Replace("_request", "_reply", StringComparison.Ordinal), ErrorContent(e.GetType().Name, e.Message, [e.ToString()]));
            }
            Publish("status", new JsonObject { ["execution_state"] = "idle" }, request);
        }
    }

    private async Task HandleShellAsync(JupyterMessage request)
    {
        var content = request.Content;
        switch (request.Type)
        {
            case "kernel_info_request":
                Reply(JupyterChannel.Shell, request, "kernel_info_reply", KernelInfo());
                break;
            case "execute_request":
                await ExecuteAsync(request).ConfigureAwait(false);
                break;
            case "is_complete_request":
                Reply(JupyterChannel.Shell, request, "is_complete_reply", CodeAssistance.IsComplete(content["code"]?.GetValue<string>() ?? string.Empty));
                break;
            case "complete_request":
                Reply(JupyterChannel.Shell, request, "complete_reply", CodeAssistance.Complete(_kernel!, content["code"]?.GetValue<string>() ?? string.Empty, content["cursor_pos"]?.GetValue<int>() ?? 0));
                break;
            case "inspect_request":
                Reply(JupyterChannel.Shell, request, "inspect_reply", CodeAssistance.Inspect(_kernel!, content["code"]?.GetValue<string>() ?? string.Empty, content["cursor_pos"]?.GetValue<int>() ?? 0));
                break;
            case "comm_info_request":
                Reply(JupyterChannel.Shell, request, "comm_info_reply", new JsonObject { ["status"] = "ok", ["comms"] = new JsonObject() });
                break;
            case "history_request":
                Reply(JupyterChannel.Shell, request, "history_reply", new JsonObject { ["status"] = "ok", ["history"] = new JsonArray() });
                break;
            case "shutdown_request":
                Shutdown(JupyterChannel.Shell, request);
                break;
            case "comm_open" or "comm_msg" or "comm_close":
                break; // no comm targets: widgets are not supported
            default:
                _log.WriteLine($"runbook kernel: shell request '{request.Type}' is not supported; ignored.");
                break;
        }
    }

    private async Task ExecuteAsync(JupyterMessage request)
    {
        var code = request.Content["code"]?.GetValue<string>() ?? string.Empty;
        var silent = request.Content["silent"]?.GetValue<bool>() ?? false;
        var storeHistory = !silent && (request.Content["store_history"]?.GetValue<bool>() ?? true);
        if (storeHistory)
            _executionCount++;
        var count = _executionCount;
        if (!silent)
            Publish("execute_input", new JsonObject { ["code"] = code, ["execution_count"] = count }, request);

        var sink = _sink!;
        sink.Parent = request;
        sink.Silent = silent;
        sink.ExecutionCount = count;
        var submission = ++_submission;
        var outcome = await _interrupter.RunAsync(() => _kernel!.ExecuteAsync(submission, code, sink)).ConfigureAwait(false);
        sink.FlushCaptures();
        if (outcome.Stuck)
        {
            var message = "the cell could not be stopped inside the kernel (it never gives the thread back: a loop, a blocking wait), "
                + "so the kernel restarts: every variable is gone, run the cells again from the top.";
            Error(request, count, "KernelRestarting", message, [message], silent);
            _shutdown.TrySetResult(true);
            return;
        }
        if (outcome.Error is { } error)
        {
            var where = error.Line is { } line ? $"cell {count}, line {line}" : $"cell {count}";
            var summary = $"{where}: {error.Name}: {error.Message}";
            var traceback = new[] { summary }.Concat(error.Name == "CompilationError" ? [] : error.Traceback).ToList();
            if (outcome.Interrupted)
                traceback.Insert(0, "interrupted: the processes the cell had started were stopped.");
            Error(request, count, error.Name, error.Message, traceback, silent);
            return;
        }
        if (outcome.Interrupted)
        {
            // The cell ended because its processes were stopped: an error, so "run all" stops here as it would in Python.
            const string interrupted = "the cell was interrupted: the processes it had started were stopped; the kernel and its variables stay.";
            Error(request, count, "Interrupted", interrupted, [interrupted], silent);
            return;
        }
        Reply(JupyterChannel.Shell, request, "execute_reply", new JsonObject
        {
            ["status"] = "ok",
            ["execution_count"] = count,
            ["user_expressions"] = new JsonObject(),
            ["payload"] = new JsonArray(),
        });
    }

    private void Error(JupyterMessage request, int count, string name, string message, IReadOnlyList<string> traceback, bool silent)
    {
        var content = ErrorContent(name, message, traceback);
        if (!silent)
            Publish("error", (JsonObject)content.DeepClone(), request);
        content["execution_count"] = count;
        content["user_expressions"] = new JsonObject();
        content["payload"] = new JsonArray();
        Reply(JupyterChannel.Shell, request, "execute_reply", content);
    }

    private static JsonObject ErrorContent(string name, string message, IEnumerable<string> traceback) => new()
    {
        ["status"] = "error",
        ["ename"] = name,
        ["evalue"] = message,
        ["traceback"] = new JsonArray([.. traceback.Select(line => (JsonNode?)JsonValue.Create(line))]),
    };

    private void Shutdown(JupyterChannel channel, JupyterMessage request)
    {
        var restart = request.Content["restart"]?.GetValue<bool>() ?? false;
        Reply(channel, request, "shutdown_reply", new JsonObject { ["status"] = "ok", ["restart"] = restart });
        _shutdown.TrySetResult(false);
    }

    private void WithStatus(JupyterMessage request, Action handle)
    {
        Publish("status", new JsonObject { ["execution_state"] = "busy" }, request);
        handle();
        Publish("status", new JsonObject { ["execution_state"] = "idle" }, request);
    }

    private JsonObject KernelInfo() => new()
    {
        ["status"] = "ok",
        ["protocol_version"] = JupyterMessage.ProtocolVersion,
        ["implementation"] = "runbook",
        ["implementation_version"] = Version,
        ["language_info"] = new JsonObject
        {
            ["name"] = KernelSpec.Language,
            ["version"] = "14.0",
            ["mimetype"] = "text/x-csharp",
            ["file_extension"] = ".cs",
            ["pygments_lexer"] = "csharp",
            ["codemirror_mode"] = "text/x-csharp",
        },
        ["banner"] = $"runbook {Version}: C# cells run by the Runbooks engine (Roslyn scripting, .NET {Environment.Version})",
        ["help_links"] = new JsonArray(),
    };

    private void Reply(JupyterChannel channel, JupyterMessage request, string type, JsonObject content) =>
        _sockets!.Send(channel, JupyterMessage.Create(type, content, request, _session));

    private void Publish(string type, JsonObject content, JupyterMessage? parent) =>
        _sockets!.Send(JupyterChannel.IoPub, JupyterMessage.Create(type, content, parent, _session) with { Identities = [] });
}
