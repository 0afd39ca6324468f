using System.Text.Json;

namespace Runbooks.Catalogue;

/// <summary>
/// A named parameter set for one notebook, e.g. "twin" (local lab twin) or "fly" (real machines).
/// Parameter values stay JSON (a string, number, bool, or array of one of those) because only the caller
/// knows the notebook's declared parameter types to convert them to. Enumeration follows file order.
/// </summary>
public sealed record CatalogueProfile(string Name, string? Description, IReadOnlyDictionary<string, JsonElement> Parameters);
