using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runbooks.Notebooks.Kernel;

/// <summary>
/// One line of the protocol between the engine and its kernel process (JSON lines over a Unix socket).
/// The kernel says <c>ready</c> once warm; the engine sends <c>init</c> (the notebook's folder, answered by
/// <c>initialized</c>), then <c>execute</c> per cell and <c>shutdown</c>. Per cell the kernel sends
/// any number of <c>stream</c>, <c>display</c>, <c>update</c>, <c>result</c>, and one <c>complete</c>.
/// The folder comes after the start so a kernel can be started (and warmed) before the notebook is known.
/// </summary>
public sealed record KernelMessage
{
    /// <summary>The line the kernel writes to its stdout and stderr after a cell: the engine has all of that cell's child-process output once it sees it.</summary>
    public static string Sentinel(int cell) => $"\u0001runbook-cell-end:{cell}\u0001";

    public required string Type { get; init; }

    public int Cell { get; init; }

    public string? Code { get; init; }

    public string? Language { get; init; }

    /// <summary>For <c>init</c>: the notebook's folder (working directory, base of #r and #load).</summary>
    public string? Directory { get; init; }

    /// <summary>For <c>init</c>: assemblies to reference in every cell (the notebook's restored NuGet packages).</summary>
    public IReadOnlyList<string>? References { get; init; }

    /// <summary>stdout or stderr, for <c>stream</c>.</summary>
    public string? Name { get; init; }

    public string? Text { get; init; }

    public string? DisplayId { get; init; }

    public IReadOnlyList<MimeData>? Data { get; init; }

    /// <summary>For <c>complete</c>: ok or error.</summary>
    public string? Status { get; init; }

    public KernelError? Error { get; init; }

    public double DurationMs { get; init; }

    public static class Types
    {
        public const string Ready = "ready";
        public const string Init = "init";
        public const string Initialized = "initialized";
        public const string Execute = "execute";
        public const string Shutdown = "shutdown";
        public const string Stream = "stream";
        public const string Display = "display";
        public const string Update = "update";
        public const string Result = "result";
        public const string Complete = "complete";
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    public string ToJsonLine() => JsonSerializer.Serialize(this, s_json);

    public static KernelMessage FromJsonLine(string line) =>
        JsonSerializer.Deserialize<KernelMessage>(line, s_json) ?? throw new InvalidDataException("empty kernel message");
}

/// <summary>Why a cell failed: the exception or compiler error, and the line inside the cell where it happened.</summary>
public sealed record KernelError(string Name, string Message, int? Line, IReadOnlyList<string> Traceback);
