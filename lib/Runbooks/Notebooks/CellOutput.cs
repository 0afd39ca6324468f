using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Runbooks.Notebooks;

/// <summary>One output of a code cell, as nbformat 4 stores it.</summary>
public abstract record CellOutput;

/// <summary>Text a cell wrote to <c>stdout</c> or <c>stderr</c>.</summary>
public sealed record StreamOutput(string Name, string Text) : CellOutput
{
    public const string StandardOutput = "stdout";
    public const string StandardError = "stderr";
}

/// <summary>A rendering of a value keyed by MIME type; <c>execute_result</c> when <see cref="ExecutionCount"/> is set.</summary>
public sealed record DisplayOutput(ImmutableArray<MimeData> Data, string? DisplayId = null, int? ExecutionCount = null, JsonObject? Metadata = null) : CellOutput
{
    public bool IsResult => ExecutionCount is not null;

    public string? Text(string mimeType) => Data.FirstOrDefault(d => d.MimeType == mimeType)?.Value;
}

/// <summary>The value of one MIME type; JSON types (application/json, *+json) hold their JSON text.</summary>
public sealed record MimeData(string MimeType, string Value)
{
    public bool IsJson => MimeType == "application/json" || MimeType.EndsWith("+json", StringComparison.Ordinal);
}

public sealed record ErrorOutput(string Name, string Value, ImmutableArray<string> Traceback) : CellOutput;
