namespace Runbooks.Catalogue;

/// <summary>Timeouts for notebooks that do not set their own.</summary>
public sealed record CatalogueDefaults(TimeSpan CellTimeout, TimeSpan Timeout)
{
    /// <summary>What applies when nbconfig.json has no <c>defaults</c>: 300 s per cell, 1800 s per notebook.</summary>
    public static CatalogueDefaults Standard { get; } = new(TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(1800));
}
