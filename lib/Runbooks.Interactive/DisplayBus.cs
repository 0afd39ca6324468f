using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive.Formatting;

[assembly: InternalsVisibleTo("Runbooks.Kernel")]
[assembly: InternalsVisibleTo("Runbooks.Jupyter")]
[assembly: InternalsVisibleTo("Runbooks.Tests")]

namespace Microsoft.DotNet.Interactive;

/// <summary>Where displays go: the engine that runs the cell listens here.</summary>
internal interface IDisplaySink
{
    void Show(string displayId, IReadOnlyList<FormattedValue> values);

    void Update(string displayId, IReadOnlyList<FormattedValue> values);
}

internal static class DisplayBus
{
    private static int s_nextId;

    // One kernel runs one cell at a time, so one sink per process is enough; without a sink (the shim
    // used outside the engine) displays fall back to standard output rather than vanish.
    public static IDisplaySink? Sink { get; set; }

    public static DisplayedValue Show(IReadOnlyList<FormattedValue> values)
    {
        var id = "display-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Sink is { } sink)
            sink.Show(id, values);
        else
            Console.WriteLine(PlainTextOf(values));
        return new DisplayedValue(id, values.Select(v => v.MimeType).ToArray());
    }

    public static void Update(string displayId, IReadOnlyList<FormattedValue> values)
    {
        if (Sink is { } sink)
            sink.Update(displayId, values);
        else
            Console.WriteLine(PlainTextOf(values));
    }

    private static string PlainTextOf(IReadOnlyList<FormattedValue> values) =>
        (values.FirstOrDefault(v => v.MimeType == Formatter.PlainText) ?? values.FirstOrDefault())?.Value ?? string.Empty;
}
