namespace Runbooks.Tests.Redaction;

/// <summary>
/// The captures in data/captures/redaction (made by its regenerate.sh) and manifest.tsv, which says
/// which strings in them are secrets and which are evidence that must survive.
/// </summary>
internal static class RedactionFixtures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "captures", "redaction");

    public static string Read(string fileName) => File.ReadAllText(Path.Combine(Directory, fileName));

    public static IReadOnlyList<string> Secrets { get; } = ManifestValues("secret")
        .Concat(PemBodyLines("id_ed25519"))
        .Concat(PemBodyLines("rsa-private-key.pem"))
        .ToList();

    public static IReadOnlyList<string> Evidence { get; } = ManifestValues("keep").ToList();

    // Every line of a key file between its BEGIN and END lines is key material on its own.
    public static IEnumerable<string> PemBodyLines(string keyFile) =>
        Read(keyFile).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("-----", StringComparison.Ordinal));

    public static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static IEnumerable<string> ManifestValues(string kind) =>
        Read("manifest.tsv").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Where(fields => fields[0] == kind)
            .Select(fields => fields[1]);
}
