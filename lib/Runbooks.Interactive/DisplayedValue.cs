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

/// <summary>The <c>x.Display()</c> and <c>"…".DisplayAs(mime)</c> extensions of .NET Interactive.</summary>
public static class DisplayExtensions
{
    public static DisplayedValue Display(this object? value, params string[] mimeTypes) =>
        Kernel.display(value, mimeTypes);

    public static DisplayedValue DisplayAs(this string value, string mimeType) =>
        DisplayBus.Show(new[] { new FormattedValue(mimeType, value) });
}
