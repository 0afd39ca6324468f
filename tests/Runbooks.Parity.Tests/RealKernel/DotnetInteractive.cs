using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Runbooks.Tests.Parity.Comparison;

namespace Runbooks.Tests.Parity.RealKernel;

/// <summary>
/// The kernel VS Code's Polyglot Notebooks extension starts (<c>dotnet-interactive stdio</c>), driven over its
/// stdio protocol: one JSON command envelope a line in, JSON event envelopes out. Each cell is a
/// <c>SubmitCode</c> with its own token; the events carrying that token are the cell's outputs, until
/// <c>CommandSucceeded</c> or <c>CommandFailed</c>.
/// </summary>
public sealed class DotnetInteractive : IAsyncDisposable
{
    /// <summary>The version VS Code's extension starts; scripts/parity.sh installs it.</summary>
    public const string Version = "1.0.712001";

    private readonly Process _process;
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly Task _reader;
    private readonly Dictionary<string, ObservedOutput> _displays = new(StringComparer.Ordinal);
    private int _next;

    private DotnetInteractive(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadEventsAsync);
    }

    /// <summary>Where the tool is: $RUNBOOK_DOTNET_INTERACTIVE, else where scripts/parity.sh puts it.</summary>
    public static string ToolPath =>
        Environment.GetEnvironmentVariable("RUNBOOK_DOTNET_INTERACTIVE") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? cache : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "runbook", "tools", "dotnet-interactive", Version, "dotnet-interactive");

    /// <summary>Starts the kernel with <paramref name="workingDirectory"/> as its current folder (VS Code: the notebook's).</summary>
    public static DotnetInteractive Start(string workingDirectory)
    {
        if (!File.Exists(ToolPath))
            throw new InvalidOperationException($"the real kernel is not installed at {ToolPath}: run scripts/parity.sh (it installs Microsoft.dotnet-interactive {Version}), or set RUNBOOK_DOTNET_INTERACTIVE to its dotnet-interactive.");
        var start = new ProcessStartInfo(ToolPath, ["stdio", "--working-dir", workingDirectory])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ToolPath}");
        // Its log on stderr is of no use here, but an unread pipe that fills would stall it.
        _ = process.StandardError.ReadToEndAsync();
        return new DotnetInteractive(process);
    }

    /// <summary>Runs one cell; returns how it ended and what it produced, displays updated later included.</summary>
    public async Task<ObservedCell> SubmitAsync(string code, string kernelName, TimeSpan timeout)
    {
        var token = $"parity-{++_next}";
        var command = new JsonObject
        {
            ["token"] = token,
            ["commandType"] = "SubmitCode",
            ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = kernelName },
        };
        await _process.StandardInput.WriteLineAsync(command.ToJsonString()).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);

        var outputs = new List<ObservedOutput>();
        var strays = new List<IReadOnlyList<(string MimeType, string Value)>>();
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            JsonObject envelope;
            try
            {
                envelope = await _events.Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new ObservedCell(false, $"no answer from the real kernel within {timeout.TotalSeconds:0} s", outputs);
            }
            catch (ChannelClosedException)
            {
                return new ObservedCell(false, $"the real kernel ended (exit code {(_process.HasExited ? _process.ExitCode : -1)})", outputs);
            }
            var type = envelope["eventType"]?.GetValue<string>();
            var payload = envelope["event"] as JsonObject;
            if (type == "DisplayedValueUpdated" && payload?["valueId"]?.GetValue<string>() is { } updatedId && _displays.TryGetValue(updatedId, out var shown))
            {
                // VS Code, like the engine, keeps the last value of a display in its first place, even from a later cell.
                shown.Data = Values(payload);
                continue;
            }
            // A cell with magic lines runs as sub-commands whose tokens extend the cell's ("parity-3.1"); only the cell's
            // own CommandSucceeded or CommandFailed ends it.
            var eventToken = envelope["command"]?["token"]?.GetValue<string>() ?? string.Empty;
            var own = eventToken == token;
            if (!own && !eventToken.StartsWith(token + ".", StringComparison.Ordinal))
                continue;
            if (!own && type is "CommandSucceeded" or "CommandFailed")
                continue;
            switch (type)
            {
                case "CommandSucceeded":
                    return new ObservedCell(true, null, outputs) { StrayUpdates = strays };
                case "CommandFailed":
                    return new ObservedCell(false, payload?["message"]?.GetValue<string>(), outputs) { StrayUpdates = strays };
                case "DisplayedValueUpdated":
                    // 1.0.712001 sends d.Update(…) under another value id than the display it updates (measured): kept
                    // apart, so the comparison can name that difference instead of guessing where VS Code puts it.
                    strays.Add(Values(payload));
                    break;
                case "StandardOutputValueProduced":
                    outputs.Add(new ObservedOutput(OutputKind.Stdout, Values(payload)));
                    break;
                case "StandardErrorValueProduced":
                    outputs.Add(new ObservedOutput(OutputKind.Stderr, Values(payload)));
                    break;
                case "ReturnValueProduced":
                    outputs.Add(new ObservedOutput(OutputKind.Result, Values(payload)));
                    break;
                case "DisplayedValueProduced":
                    var display = new ObservedOutput(OutputKind.Display, Values(payload));
                    outputs.Add(display);
                    if (payload?["valueId"]?.GetValue<string>() is { } id)
                        _displays[id] = display;
                    break;
            }
        }
    }

    private static IReadOnlyList<(string MimeType, string Value)> Values(JsonObject? payload) =>
        [.. (payload?["formattedValues"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(v => (v["mimeType"]?.GetValue<string>() ?? "", v["value"]?.GetValue<string>() ?? ""))];

    private async Task ReadEventsAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                // A banner (welcome, telemetry) precedes the protocol; only JSON lines are events.
                if (!line.StartsWith('{'))
                    continue;
                try
                {
                    if (JsonNode.Parse(line) is JsonObject envelope)
                        await _events.Writer.WriteAsync(envelope).ConfigureAwait(false);
                }
                catch (JsonException)
                {
                }
            }
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        await _reader.ConfigureAwait(false);
        _process.Dispose();
    }
}
