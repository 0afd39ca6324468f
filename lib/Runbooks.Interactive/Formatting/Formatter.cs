using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Html;

namespace Microsoft.DotNet.Interactive.Formatting;

/// <summary>
/// Turns cell values into outputs with the MIME types .NET Interactive's C# kernel gives them (VS Code's):
/// a string is <c>text/plain</c>, HTML content is <c>text/html</c> as-is, and every other value is <c>text/html</c>
/// only. Asked for a MIME type no formatter serves (<c>display(x, "text/markdown")</c>), it throws as that kernel
/// does; <c>"…".DisplayAs(mime)</c> is the form both accept. Notebooks register their own renderings per type with
/// <see cref="Register{T}(Func{T,string},string)"/>.
/// </summary>
public static class Formatter
{
    public const string PlainText = "text/plain";
    public const string Html = "text/html";
    public const string Json = "application/json";

    private const int MaxRows = 200;
    private static readonly ConcurrentDictionary<(Type Type, string MimeType), Func<object, string>> s_custom = new();

    /// <summary>The number of sequence items a table shows before it says how many were left out.</summary>
    public static int ListExpansionLimit { get; set; } = MaxRows;

    public static void Register<T>(Func<T, string> formatter, string mimeType = Html) =>
        s_custom[(typeof(T), mimeType)] = value => formatter((T)value);

    public static void Register<T>(Action<T, TextWriter> formatter, string mimeType = Html) =>
        s_custom[(typeof(T), mimeType)] = value =>
        {
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            formatter((T)value, writer);
            return writer.ToString();
        };

    public static void ResetToDefault() => s_custom.Clear();

    public static string ToDisplayString(this object? value, string mimeType = PlainText) =>
        FormatAll(value, new[] { mimeType })[0].Value;

    /// <summary>The renderings of <paramref name="value"/>: the requested MIME types, or the preferred one for its type.</summary>
    /// <exception cref="ArgumentException">a requested MIME type has no formatter for the value (as in .NET Interactive).</exception>
    public static IReadOnlyList<FormattedValue> FormatAll(object? value, params string[] mimeTypes)
    {
        var wanted = mimeTypes is { Length: > 0 } ? mimeTypes : PreferredMimeTypes(value);
        return wanted.Select(mime => new FormattedValue(mime, Format(value, mime))).ToArray();
    }

    private static string[] PreferredMimeTypes(object? value)
    {
        if (value is IHtmlContent)
            return new[] { Html };
        var custom = value is null ? Array.Empty<string>() : CustomMimeTypes(value.GetType());
        if (custom.Length > 0)
            return custom;
        return value is string ? new[] { PlainText } : new[] { Html };
    }

    private static string[] CustomMimeTypes(Type type) =>
        s_custom.Keys.Where(k => k.Type.IsAssignableFrom(type)).Select(k => k.MimeType).Distinct().ToArray();

    private static string Format(object? value, string mimeType)
    {
        if (value is not null)
        {
            var custom = s_custom.Where(kv => kv.Key.MimeType == mimeType && kv.Key.Type.IsAssignableFrom(value.GetType()))
                .OrderBy(kv => Depth(kv.Key.Type, value.GetType()))
                .Select(kv => kv.Value)
                .FirstOrDefault();
            if (custom is not null)
                return custom(value);
        }
        return mimeType switch
        {
            Html => ToHtml(value),
            PlainText => ToPlainText(value),
            Json => JsonSerializer.Serialize(value),
            _ => throw new ArgumentException($"No formatter is registered for MIME type {mimeType}. "
                + $"Show a string as {mimeType} with \"…\".DisplayAs(\"{mimeType}\"), or register one with Formatter.Register<T>(…, \"{mimeType}\")."),
        };
    }

    // The registration closest to the value's own type wins over one for a base type or interface.
    private static int Depth(Type registered, Type actual)
    {
        var depth = 0;
        for (var t = actual; t is not null; t = t.BaseType, depth++)
            if (t == registered)
                return depth;
        return int.MaxValue;
    }

    private static bool IsScalar(object? value) => value is null or string or IFormattable or bool or char or Type or Exception;

    private static string ToPlainText(object? value)
    {
        switch (value)
        {
            case null: return "<null>";
            case string s: return s;
            case IHtmlContent html: return HtmlToString(html);
            case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
            case IDictionary dictionary:
                return string.Join(Environment.NewLine, Entries(dictionary).Select(e => $"{ToPlainText(e.Key)}: {ToPlainText(e.Value)}"));
            case IEnumerable sequence:
                return string.Join(Environment.NewLine, Take(sequence).Select(item => ToPlainText(item)));
        }
        return HasOwnToString(value.GetType())
            ? value.ToString() ?? string.Empty
            : string.Join(Environment.NewLine, Members(value).Select(m => $"{m.Name}: {ToPlainText(m.Value)}"));
    }

    // .NET Interactive wraps a plain value in this element; the same markup keeps the two kernels' outputs comparable.
    private static string PlainHtml(object? value) => "<div class=\"dni-plaintext\"><pre>" + WebUtility.HtmlEncode(ToPlainText(value)) + "</pre></div>";

    private static string ToHtml(object? value)
    {
        switch (value)
        {
            case IHtmlContent html: return HtmlToString(html);
            case null or string or IFormattable or bool or char or Type or Exception: return PlainHtml(value);
            case IDictionary dictionary:
                return Table(new[] { "key", "value" }, Entries(dictionary).Select(e => new[] { e.Key, e.Value }).ToList(), dictionary.Count);
            case IEnumerable sequence:
                return SequenceTable(sequence);
        }
        var members = Members(value).ToList();
        return Table(members.Select(m => m.Name).ToArray(), new List<object?[]> { members.Select(m => m.Value).ToArray() }, 1);
    }

    // IDictionary's own enumerator yields DictionaryEntry; enumerating it as IEnumerable yields what the type chooses
    // (KeyValuePair for Dictionary<K,V>), which a cast to DictionaryEntry turned into an InvalidCastException.
    private static IEnumerable<DictionaryEntry> Entries(IDictionary dictionary)
    {
        var enumerator = dictionary.GetEnumerator();
        for (var i = 0; i < ListExpansionLimit && enumerator.MoveNext(); i++)
            yield return enumerator.Entry;
    }

    private static string SequenceTable(IEnumerable sequence)
    {
        var items = Take(sequence).ToList();
        var total = sequence is ICollection c ? c.Count : items.Count;
        var first = items.FirstOrDefault(i => i is not null);
        if (first is null || IsScalar(first))
            return Table(new[] { "value" }, items.Select(i => new[] { i }).ToList(), total);
        var columns = Members(first).Select(m => m.Name).ToArray();
        var rows = items.Select(item => item is null
            ? new object?[columns.Length]
            : Members(item).Select(m => m.Value).ToArray()).ToList();
        return Table(columns, rows, total);
    }

    /// <summary>An HTML table of <paramref name="rows"/> under <paramref name="columns"/>; each cell's value as plain text.</summary>
    internal static string Table(IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, int total)
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var column in columns)
            html.Append("<th>").Append(WebUtility.HtmlEncode(column)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
                html.Append("<td>").Append(WebUtility.HtmlEncode(ToPlainText(cell))).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (total > rows.Count)
            html.Append("<p>(").Append((total - rows.Count).ToString(CultureInfo.InvariantCulture)).Append(" more)</p>");
        return html.ToString();
    }

    private static IEnumerable<object?> Take(IEnumerable sequence) => sequence.Cast<object?>().Take(ListExpansionLimit);

    /// <summary>The public properties and fields of <paramref name="value"/>, a throwing getter shown as its exception's name.</summary>
    internal static IEnumerable<(string Name, object? Value)> Members(object value) =>
        value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.CanRead)
            .Select(p => (p.Name, SafeGet(p, value)))
            .Concat(value.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => (f.Name, f.GetValue(value))));

    private static object? SafeGet(PropertyInfo property, object value)
    {
        try
        {
            return property.GetValue(value);
        }
        catch (TargetInvocationException e)
        {
            return $"<{e.InnerException?.GetType().Name ?? "error"}>";
        }
    }

    private static bool HasOwnToString(Type type) =>
        type.GetMethod(nameof(ToString), Type.EmptyTypes)?.DeclaringType is { } declaring && declaring != typeof(object) && declaring != typeof(ValueType);

    private static string HtmlToString(IHtmlContent html)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        html.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
