using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

// In namespace System, as in .NET Interactive: a cell calls x.Display() without a using.
namespace System;

/// <summary>The <c>x.Display()</c>, <c>"…".DisplayAs(mime)</c> and <c>rows.DisplayTable()</c> extensions of .NET Interactive.</summary>
public static class DisplayExtensions
{
    public static DisplayedValue Display(this object? value, params string[] mimeTypes) =>
        Kernel.display(value, mimeTypes);

    /// <summary>Shows the string itself as <paramref name="mimeType"/>, unformatted (markdown, SVG, …).</summary>
    public static DisplayedValue DisplayAs(this string value, string mimeType) =>
        DisplayBus.Show(new[] { new FormattedValue(mimeType, value) });

    /// <summary>Shows the rows as one table, a column per public property or field of <typeparamref name="T"/>, as HTML and CSV.</summary>
    public static DisplayedValue DisplayTable<T>(this IEnumerable<T> rows)
    {
        var items = rows.ToList();
        var columns = typeof(T).GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.CanRead).Select(p => p.Name)
            .Concat(typeof(T).GetFields().Select(f => f.Name)).ToArray();
        var values = items.Select(item => item is null
            ? new object?[columns.Length]
            : Formatter.Members(item).Select(m => m.Value).ToArray()).ToList();
        return DisplayBus.Show(new[]
        {
            new FormattedValue(Formatter.Html, Table(columns, values)),
            new FormattedValue("text/csv", Csv(columns, values)),
        });
    }

    // The markup of .NET Interactive's DisplayTable: headers in spans, strings as they are, other values as the formatter shows them.
    private static string Table(IReadOnlyList<string> columns, IEnumerable<object?[]> rows)
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var column in columns)
            html.Append("<td><span>").Append(WebUtility.HtmlEncode(column)).Append("</span></td>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var value in row)
                html.Append("<td>").Append(value is string text ? WebUtility.HtmlEncode(text) : value.ToDisplayString(Formatter.Html)).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    private static string Csv(IReadOnlyList<string> columns, IEnumerable<object?[]> rows)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', columns.Select(Field))).Append('\n');
        foreach (var row in rows)
            csv.Append(string.Join(',', row.Select(v => Field(v switch
            {
                null => string.Empty,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => v.ToString() ?? string.Empty,
            })))).Append('\n');
        return csv.ToString();
    }

    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
