using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;

namespace Microsoft.DotNet.Interactive.Formatting;

/// <summary>
/// The <c>text/html</c> of a value in the markup .NET Interactive's C# kernel (VS Code's) gives it, so an executed copy
/// reads the same whichever kernel wrote it: a plain value in a <c>dni-plaintext</c> pre, an object as a tree of its
/// members (<c>dni-treeview</c>), a collection of objects as an index/value table, a dictionary as a key/value table,
/// and a collection of plain values on one line (<c>[ 1, 2 ]</c>, the first 20, then how many more).
/// </summary>
internal static class HtmlFormatter
{
    private const int InlineItems = 20;
    private const int MaxDepth = 3;

    public static string Format(object? value, Func<object, string?> custom) => Append(new StringBuilder(), value, 0, custom).ToString();

    /// <summary>True for values shown as one line of text rather than as a tree.</summary>
    public static bool IsPlain(object? value) =>
        value is null or string or IFormattable or bool or char or Type or Exception or Guid;

    public static string Plain(string text) => "<div class=\"dni-plaintext\"><pre>" + WebUtility.HtmlEncode(text) + "</pre></div>";

    private static StringBuilder Append(StringBuilder html, object? value, int depth, Func<object, string?> custom)
    {
        if (value is not null && depth > 0 && custom(value) is { } registered)
            return html.Append(registered);
        switch (value)
        {
            case Microsoft.AspNetCore.Html.IHtmlContent:
                return html.Append(custom(value!));
            case DateTime time:
                return html.Append("<span>").Append(time.ToString("u", CultureInfo.InvariantCulture)).Append("</span>");
            case DateTimeOffset time:
                return html.Append("<span>").Append(time.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)).Append("</span>");
            case TimeSpan span:
                return html.Append("<span>").Append(span.ToString("c", CultureInfo.InvariantCulture)).Append("</span>");
            case var plain when IsPlain(plain):
                return html.Append(Plain(Text(plain)));
            case IDictionary dictionary:
                return KeyValueTable(html, dictionary, depth, custom);
            case IEnumerable sequence:
                var items = sequence.Cast<object?>().Take(Formatter.ListExpansionLimit + 1).ToList();
                return items.All(IsPlain) || depth >= MaxDepth
                    ? html.Append(Plain(Inline(sequence)))
                    : IndexTable(html, items, depth, custom);
        }
        return depth >= MaxDepth ? html.Append(Plain(Text(value))) : Tree(html, value!, depth, custom);
    }

    private static StringBuilder Tree(StringBuilder html, object value, int depth, Func<object, string?> custom)
    {
        html.Append(depth == 0 ? "<details open=\"open\" class=\"dni-treeview\">" : "<details class=\"dni-treeview\">")
            .Append("<summary><span class=\"dni-code-hint\"><code>").Append(WebUtility.HtmlEncode(value.ToString())).Append("</code></span></summary>")
            .Append("<div><table><thead><tr></tr></thead><tbody>");
        foreach (var (name, member) in Formatter.Members(value))
        {
            html.Append("<tr><td>").Append(WebUtility.HtmlEncode(name)).Append("</td><td>");
            Append(html, member, depth + 1, custom).Append("</td></tr>");
        }
        return html.Append("</tbody></table></div></details>");
    }

    private static StringBuilder IndexTable(StringBuilder html, List<object?> items, int depth, Func<object, string?> custom)
    {
        html.Append("<table><thead><tr><th><i>index</i></th><th>value</th></tr></thead><tbody>");
        var shown = Math.Min(items.Count, Formatter.ListExpansionLimit);
        for (var i = 0; i < shown; i++)
        {
            html.Append("<tr><td>").Append(i.ToString(CultureInfo.InvariantCulture)).Append("</td><td>");
            Append(html, items[i], depth + 1, custom).Append("</td></tr>");
        }
        html.Append("</tbody></table>");
        return items.Count > shown ? html.Append("<p>(more)</p>") : html;
    }

    private static StringBuilder KeyValueTable(StringBuilder html, IDictionary dictionary, int depth, Func<object, string?> custom)
    {
        html.Append("<table><thead><tr><th><i>key</i></th><th>value</th></tr></thead><tbody>");
        // IDictionary's own enumerator yields DictionaryEntry; enumerating it as IEnumerable yields what the type
        // chooses (KeyValuePair for Dictionary<K,V>), which a cast to DictionaryEntry turned into an InvalidCastException.
        var entries = dictionary.GetEnumerator();
        for (var i = 0; i < Formatter.ListExpansionLimit && entries.MoveNext(); i++)
        {
            html.Append("<tr><td>");
            Append(html, entries.Entry.Key, depth + 1, custom).Append("</td><td>");
            Append(html, entries.Entry.Value, depth + 1, custom).Append("</td></tr>");
        }
        return html.Append("</tbody></table>");
    }

    private static string Inline(IEnumerable sequence)
    {
        var items = sequence.Cast<object?>().Take(InlineItems + 1).ToList();
        var total = sequence is ICollection collection ? collection.Count : sequence.Cast<object?>().Count();
        var shown = string.Join(", ", items.Take(InlineItems).Select(Text));
        return total > InlineItems ? $"[ {shown} ... ({total - InlineItems} more) ]" : $"[ {shown} ]";
    }

    private static string Text(object? value) => value switch
    {
        null => "<null>",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
