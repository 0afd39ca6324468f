using System.Net;
using System.Text;

namespace Runbooks.Reports;

/// <summary>
/// A small HTML table for executed notebooks: every cell escaped, multi-line cells kept as lines. GitHub and
/// VS Code both render it; a reviewer reads it without running anything.
/// </summary>
public static class HtmlTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows, string? caption = null)
    {
        var html = new StringBuilder("<table>");
        if (caption is not null)
            html.Append("<caption>").Append(Escape(caption)).Append("</caption>");
        html.Append("<thead><tr>");
        foreach (var header in headers)
            html.Append("<th>").Append(Escape(header)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            html.Append("<tr>");
            foreach (var cell in row)
                html.Append("<td>").Append(Escape(cell ?? "")).Append("</td>");
            html.Append("</tr>");
        }
        if (!any)
            html.Append("<tr><td colspan=\"").Append(headers.Count).Append("\"><i>none</i></td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Text in a &lt;pre&gt; block, escaped.</summary>
    public static string Preformatted(string text, string? title = null) =>
        (title is null ? "" : $"<b>{Escape(title)}</b>") + $"<pre>{WebUtility.HtmlEncode(text)}</pre>";

    // Newlines become <br>, so evidence lists stay readable inside one cell.
    private static string Escape(string text) => WebUtility.HtmlEncode(text).Replace("\n", "<br>", StringComparison.Ordinal);
}
