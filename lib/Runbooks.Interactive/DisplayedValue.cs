using Microsoft.DotNet.Interactive.Formatting;

namespace Microsoft.DotNet.Interactive;

/// <summary>An output that can be replaced later, e.g. a progress line; the executed notebook keeps the last value.</summary>
public sealed class DisplayedValue
{
    private readonly string[] _mimeTypes;

    internal DisplayedValue(string displayId, string[] mimeTypes)
    {
        DisplayId = displayId;
        _mimeTypes = mimeTypes;
    }

    public string DisplayId { get; }

    public void Update(object? updatedValue) =>
        DisplayBus.Update(DisplayId, Formatter.FormatAll(updatedValue, _mimeTypes));
}
