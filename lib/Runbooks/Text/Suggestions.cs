namespace Runbooks.Text;

// Placeholder until the catalogue branch lands its version.
public static class Suggestions
{
    public static string? Closest(string input, IEnumerable<string> candidates) =>
        candidates.FirstOrDefault(c => string.Equals(c, input, StringComparison.OrdinalIgnoreCase));
}
