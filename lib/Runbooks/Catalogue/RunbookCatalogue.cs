using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Runbooks.Text;

namespace Runbooks.Catalogue;

/// <summary>
/// A loaded nbconfig.json: which runbooks exist and how to run them. All paths are absolute;
/// <see cref="Notebooks"/> keeps file order so listings read like the file.
/// </summary>
public sealed record RunbookCatalogue(
    string SourcePath,
    string BaseDirectory,
    string ArtifactsDirectory,
    CatalogueDefaults Defaults,
    ImmutableArray<RedactionPattern> Redactions,
    ImmutableArray<CatalogueNotebook> Notebooks)
{
    /// <summary>The runbook with catalogue name <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such runbook; the message suggests the closest name.</exception>
    public CatalogueNotebook Find(string name)
    {
        if (TryFind(name, out var notebook))
            return notebook;

        var names = Notebooks.Select(n => n.Name).ToList();
        throw new KeyNotFoundException(
            $"no runbook \"{name}\" in {SourcePath}{Suggestions.Hint(name, names)} Available runbooks: {string.Join(", ", names)}.");
    }

    public bool TryFind(string name, [NotNullWhen(true)] out CatalogueNotebook? notebook) =>
        (notebook = Notebooks.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.Ordinal))) is not null;
}
