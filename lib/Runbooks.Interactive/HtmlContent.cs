using System.Text.Encodings.Web;

namespace Microsoft.AspNetCore.Html;

// Notebooks written for .NET Interactive build HTML with these ASP.NET types. The headless engine does
// not ship ASP.NET, so the two members notebooks actually use live here under the same names.

/// <summary>HTML that is written as-is, not encoded.</summary>
public interface IHtmlContent
{
    void WriteTo(TextWriter writer, HtmlEncoder encoder);
}

/// <summary>A string of HTML that needs no encoding.</summary>
public sealed class HtmlString(string? value) : IHtmlContent
{
    public string? Value { get; } = value;

    public void WriteTo(TextWriter writer, HtmlEncoder encoder) => writer.Write(Value);

    public override string ToString() => Value ?? string.Empty;
}
