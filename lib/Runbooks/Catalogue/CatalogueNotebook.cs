using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Runbooks.Text;

namespace Runbooks.Catalogue;

/// <summary>
/// One runbook in the catalogue. <see cref="Path"/> is absolute and existed at load time;
/// <see cref="CellTimeout"/> and <see cref="Timeout"/> are effective values, defaults already applied.
/// <see cref="CiProfile"/> is one of <see cref="Profiles"/> when set.
/// </summary>
public sealed record CatalogueNotebook(
    string Name,
    string Path,
    string? Description,
    bool Ci,
    string? CiProfile,
    TimeSpan CellTimeout,
    TimeSpan Timeout,
    ImmutableArray<CatalogueProfile> Profiles)
{
    /// <summary>The profile called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such profile; the message lists the available ones.</exception>
    public CatalogueProfile Profile(string name)
    {
        if (TryProfile(name, out var profile))
            return profile;

        if (Profiles.IsEmpty)
            throw new KeyNotFoundException($"runbook \"{Name}\" has no profile \"{name}\": it defines no profiles in nbconfig.json.");

        var names = Profiles.Select(p => p.Name).ToList();
        throw new KeyNotFoundException(
            $"runbook \"{Name}\" has no profile \"{name}\"{Suggestions.Hint(name, names)} Available profiles: {string.Join(", ", names)}.");
    }

    public bool TryProfile(string name, [NotNullWhen(true)] out CatalogueProfile? profile) =>
        (profile = Profiles.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))) is not null;
}
