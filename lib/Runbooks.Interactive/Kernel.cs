using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive.Formatting;

namespace Microsoft.DotNet.Interactive;

/// <summary>
/// The static helpers a C# notebook cell sees through <c>using static Microsoft.DotNet.Interactive.Kernel</c>,
/// as in VS Code's Polyglot Notebooks: <c>display(x)</c>, <c>HTML("…")</c>, <c>CSS</c>, <c>Javascript</c>.
/// </summary>
public static class Kernel
{
    /// <summary>Shows <paramref name="value"/> as a cell output, formatted for <paramref name="mimeTypes"/> (default: the preferred ones for its type).</summary>
    public static DisplayedValue display(object? value, params string[] mimeTypes) =>
        DisplayBus.Show(Formatter.FormatAll(value, mimeTypes));

    public static IHtmlContent HTML(string content) => new HtmlString(content);

    public static void CSS(string content) =>
        DisplayBus.Show(new[] { new FormattedValue("text/html", $"<style>{content}</style>") });

    public static void Javascript(string scriptContent) =>
        DisplayBus.Show(new[] { new FormattedValue("text/html", $"<script type=\"text/javascript\">{scriptContent}</script>") });
}
