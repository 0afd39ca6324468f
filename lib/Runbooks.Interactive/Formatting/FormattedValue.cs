namespace Microsoft.DotNet.Interactive.Formatting;

/// <summary>One rendering of a value: its MIME type and the text of it.</summary>
public sealed record FormattedValue(string MimeType, string Value);
