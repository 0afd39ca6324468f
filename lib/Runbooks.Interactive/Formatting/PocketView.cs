using System.Collections.Immutable;
using System.Dynamic;
using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Microsoft.DotNet.Interactive.Formatting;

/// <summary>
/// An HTML element built the way .NET Interactive's PocketView builds it: <c>span("text")</c>,
/// <c>div[style: "color: red"](b("bold"), " and plain")</c>, <c>a[href: url]("link")</c>. Text content is encoded;
/// nested elements and HTML content are written as they are. Attribute names written with <c>_</c> get <c>-</c>.
/// </summary>
public sealed class PocketView : DynamicObject, IHtmlContent
{
    private readonly string _tag;
    private readonly ImmutableArray<(string Name, object? Value)> _attributes;
    private readonly ImmutableArray<object?> _content;

    public PocketView(string tagName)
        : this(tagName, [], [])
    {
    }

    private PocketView(string tag, ImmutableArray<(string, object?)> attributes, ImmutableArray<object?> content)
    {
        _tag = tag;
        _attributes = attributes;
        _content = content;
    }

    /// <summary><c>tag(content…)</c>: the element with that content.</summary>
    public override bool TryInvoke(InvokeBinder binder, object?[]? args, out object? result)
    {
        result = new PocketView(_tag, _attributes, [.. args ?? []]);
        return true;
    }

    /// <summary><c>tag[name: value, …]</c>: the element with those attributes.</summary>
    public override bool TryGetIndex(GetIndexBinder binder, object?[] indexes, out object? result)
    {
        var names = binder.CallInfo.ArgumentNames;
        var offset = indexes.Length - names.Count;
        var added = names.Select((name, i) => (name.Replace('_', '-'), indexes[offset + i]));
        result = new PocketView(_tag, _attributes.AddRange(added), _content);
        return true;
    }

    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        writer.Write('<');
        writer.Write(_tag);
        foreach (var (name, value) in _attributes)
            writer.Write($" {name}=\"{WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture))}\"");
        writer.Write('>');
        foreach (var item in _content)
            WriteContent(writer, encoder, item);
        writer.Write($"</{_tag}>");
    }

    // A sequence (rows.Select(r => tr(…))) is its items, one after the other.
    private static void WriteContent(TextWriter writer, HtmlEncoder encoder, object? item)
    {
        switch (item)
        {
            case IHtmlContent html:
                html.WriteTo(writer, encoder);
                break;
            case string text:
                writer.Write(WebUtility.HtmlEncode(text));
                break;
            case System.Collections.IEnumerable items:
                foreach (var each in items)
                    WriteContent(writer, encoder, each);
                break;
            default:
                // Any other value as the formatter shows it (a number in a dni-plaintext pre), as PocketView does.
                writer.Write(Formatter.ToDisplayString(item, Formatter.Html));
                break;
        }
    }

    public override string ToString()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}

/// <summary>The tags of PocketView, for <c>using static Microsoft.DotNet.Interactive.Formatting.PocketViewTags;</c>.</summary>
#pragma warning disable IDE1006 // lower-case names: they are the HTML tags
public static class PocketViewTags
{
    public static dynamic a => new PocketView("a");
    public static dynamic b => new PocketView("b");
    public static dynamic br => new PocketView("br");
    public static dynamic button => new PocketView("button");
    public static dynamic code => new PocketView("code");
    public static dynamic details => new PocketView("details");
    public static dynamic div => new PocketView("div");
    public static dynamic em => new PocketView("em");
    public static dynamic h1 => new PocketView("h1");
    public static dynamic h2 => new PocketView("h2");
    public static dynamic h3 => new PocketView("h3");
    public static dynamic h4 => new PocketView("h4");
    public static dynamic hr => new PocketView("hr");
    public static dynamic i => new PocketView("i");
    public static dynamic img => new PocketView("img");
    public static dynamic li => new PocketView("li");
    public static dynamic ol => new PocketView("ol");
    public static dynamic p => new PocketView("p");
    public static dynamic pre => new PocketView("pre");
    public static dynamic small => new PocketView("small");
    public static dynamic span => new PocketView("span");
    public static dynamic strong => new PocketView("strong");
    public static dynamic style => new PocketView("style");
    public static dynamic summary => new PocketView("summary");
    public static dynamic table => new PocketView("table");
    public static dynamic tbody => new PocketView("tbody");
    public static dynamic td => new PocketView("td");
    public static dynamic th => new PocketView("th");
    public static dynamic thead => new PocketView("thead");
    public static dynamic tr => new PocketView("tr");
    public static dynamic u => new PocketView("u");
    public static dynamic ul => new PocketView("ul");
}
#pragma warning restore IDE1006
