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

    private const int MaxRows = 20;   // as .NET Interactive
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
        if (value is not null && CustomFormatter(value, mimeType) is { } custom)
            return custom(value);
        return mimeType switch
        {
            Html => ToHtml(value),
            PlainText => ToPlainText(value),
            Json => JsonSerializer.Serialize(value),
            _ => throw new ArgumentException($"No formatter is registered for MIME type {mimeType}. "
                + $"Show a string as {mimeType} with \"…\".DisplayAs(\"{mimeType}\"), or register one with Formatter.Register<T>(…, \"{mimeType}\")."),
        };
    }

    private static Func<object, string>? CustomFormatter(object value, string mimeType) =>
        s_custom.Where(kv => kv.Key.MimeType == mimeType && kv.Key.Type.IsAssignableFrom(value.GetType()))
            .OrderBy(kv => Depth(kv.Key.Type, value.GetType()))
            .Select(kv => kv.Value)
            .FirstOrDefault();

    // The registration closest to the value's own type wins over one for a base type or interface.
    private static int Depth(Type registered, Type actual)
    {
        var depth = 0;
        for (var t = actual; t is not null; t = t.BaseType, depth++)
            if (t == registered)
                return depth;
        return int.MaxValue;
    }

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

    private static string ToHtml(object? value) =>
        value is Microsoft.AspNetCore.Html.IHtmlContent html ? HtmlToString(html) : HtmlFormatter.Format(value, NestedHtml);

    // What a value nested in a tree or table shows: its own registered text/html, or HTML content as it is.
    private static string? NestedHtml(object value) => value switch
    {
        IHtmlContent html => HtmlToString(html),
        _ => CustomFormatter(value, Html) is { } custom ? custom(value) : null,
    };

    // IDictionary's own enumerator yields DictionaryEntry; enumerating it as IEnumerable yields what the type chooses
    // (KeyValuePair for Dictionary<K,V>), which a cast to DictionaryEntry turned into an InvalidCastException.
    private static IEnumerable<DictionaryEntry> Entries(IDictionary dictionary)
    {
        var enumerator = dictionary.GetEnumerator();
        for (var i = 0; i < ListExpansionLimit && enumerator.MoveNext(); i++)
            yield return enumerator.Entry;
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
