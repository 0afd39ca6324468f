namespace Runbooks.Notebooks.Runs;

/// <summary>What `runbook run` (or a test) asks for; anything unset comes from nbconfig.json, then the defaults.</summary>
public sealed record RunRequest
{
    /// <summary>A notebook path (.ipynb, .dib) or a catalogue name from nbconfig.json.</summary>
    public required string Target { get; init; }

    public string? Profile { get; init; }

    /// <summary>`-p name=value` pairs; they override the profile's values.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>Where the executed copy goes: a file, or a folder for it (default: the catalogue's artifacts folder).</summary>
    public string? Output { get; init; }

    /// <summary>Allows the executed copy to replace the source notebook.</summary>
    public bool InPlace { get; init; }

    public TimeSpan? CellTimeout { get; init; }

    public TimeSpan? Timeout { get; init; }

    public bool ContinueOnError { get; init; }

    public bool SkipUnsupportedKernels { get; init; }
}
