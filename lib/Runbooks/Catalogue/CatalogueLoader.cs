using System.Text;

namespace Runbooks.Catalogue;

/// <summary>Finds, reads and validates nbconfig.json.</summary>
public static class CatalogueLoader
{
    public const string FileName = "nbconfig.json";

    /// <summary>Loads the catalogue at <paramref name="path"/>; relative paths inside resolve against its folder.</summary>
    /// <exception cref="CatalogueException">The file is missing, unreadable, or has problems (all of them listed).</exception>
    public static RunbookCatalogue Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            throw Single(path, $"{fullPath} is a folder; pass the catalogue file itself, e.g. runbook --config {Path.Combine(path, FileName)}");
        if (!File.Exists(fullPath))
            throw Single(path, $"catalogue not found: {fullPath}; create it or point at it with runbook --config PATH");

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Single(path, $"cannot read {fullPath}: {e.Message}");
        }
        return Parse(bytes, path);
    }

    /// <summary>
    /// Validates catalogue text as if read from <paramref name="sourcePath"/>: problems name that path, and
    /// notebook and artifact paths resolve against its folder (the file itself need not exist).
    /// </summary>
    /// <exception cref="CatalogueException">Every problem found.</exception>
    public static RunbookCatalogue Parse(string json, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        return Parse(Encoding.UTF8.GetBytes(json), sourcePath);
    }

    /// <summary>
    /// The nbconfig.json in <paramref name="startDirectory"/> or the nearest parent folder that has one,
    /// so runbook works from anywhere inside a repository.
    /// </summary>
    /// <exception cref="CatalogueException">No folder up to the root has one.</exception>
    public static string Discover(string startDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(startDirectory);
        var start = Path.GetFullPath(startDirectory);
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, FileName);
            if (File.Exists(candidate))
                return candidate;
        }
        throw Single(start, $"no {FileName} in this folder or any parent folder; pass the catalogue with runbook --config PATH");
    }

    private static RunbookCatalogue Parse(ReadOnlyMemory<byte> utf8, string sourcePath)
    {
        // Editors on Windows like to start UTF-8 files with a byte order mark, which the JSON reader rejects.
        ReadOnlySpan<byte> byteOrderMark = [0xEF, 0xBB, 0xBF];
        if (utf8.Span.StartsWith(byteOrderMark))
            utf8 = utf8[byteOrderMark.Length..];

        var fullPath = Path.GetFullPath(sourcePath);
        var baseDirectory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"{sourcePath} has no parent folder.", nameof(sourcePath));

        var problems = new ProblemCollector(sourcePath);
        var root = PositionedJsonParser.Parse(utf8, problems);
        var catalogue = root is null ? null : new CatalogueValidator(problems, fullPath, baseDirectory).Validate(root);
        if (problems.Any || catalogue is null)
            throw new CatalogueException(problems.InDocumentOrder());
        return catalogue;
    }

    private static CatalogueException Single(string file, string message) =>
        new([new CatalogueProblem(file, null, null, "", message)]);
}
