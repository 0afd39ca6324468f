namespace Runbooks.Catalogue;

/// <summary>
/// A catalogue-specific secret shape to scrub from executed notebooks. <see cref="Pattern"/> is known to
/// compile as a .NET regular expression; it stays a string so the redactor chooses its own options.
/// </summary>
public sealed record RedactionPattern(string Name, string Pattern);
