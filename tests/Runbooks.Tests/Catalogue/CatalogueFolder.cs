using Runbooks.Catalogue;

namespace Runbooks.Tests.Catalogue;

/// <summary>A throwaway folder holding an nbconfig.json and the notebooks it names; deleted on dispose.</summary>
internal sealed class CatalogueFolder : IDisposable
{
    public CatalogueFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "runbooks-catalogue-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string ConfigPath => Path.Combine(Root, CatalogueLoader.FileName);

    /// <summary>Creates (empty) notebook files so "path" checks pass; returns the folder for chaining.</summary>
    public CatalogueFolder WithNotebooks(params string[] relativePaths)
    {
        foreach (var relative in relativePaths)
            Write(relative, "{}");
        return this;
    }

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public RunbookCatalogue Load(string json)
    {
        Write(CatalogueLoader.FileName, json);
        return CatalogueLoader.Load(ConfigPath);
    }

    /// <summary>The problems from loading <paramref name="json"/>, which must fail.</summary>
    public IReadOnlyList<CatalogueProblem> Problems(string json)
    {
        Write(CatalogueLoader.FileName, json);
        return Assert.Throws<CatalogueException>(() => CatalogueLoader.Load(ConfigPath)).Problems;
    }

    public CatalogueProblem SingleProblem(string json) => Assert.Single(Problems(json));

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}
