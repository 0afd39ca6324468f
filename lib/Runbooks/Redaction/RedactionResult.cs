using System.Collections.ObjectModel;

namespace Runbooks.Redaction;

/// <summary>The redacted text and how many markers each rule put into it.</summary>
/// <param name="Text">Safe to publish. The very instance that was passed in when nothing matched.</param>
/// <param name="CountsByRule">Markers per rule name; rules that redacted nothing are absent.</param>
public sealed record RedactionResult(string Text, IReadOnlyDictionary<string, int> CountsByRule)
{
    public int TotalCount => CountsByRule.Values.Sum();

    public bool AnythingRedacted => CountsByRule.Count > 0;

    public int CountFor(string ruleName) => CountsByRule.GetValueOrDefault(ruleName);

    internal static RedactionResult Unchanged(string text) => new(text, ReadOnlyDictionary<string, int>.Empty);
}
