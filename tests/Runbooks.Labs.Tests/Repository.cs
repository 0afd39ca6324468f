namespace Runbooks.Labs.Tests;

/// <summary>The clone the tests run from: where the runbooks and nbconfig.json are.</summary>
internal static class Repository
{
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Runbooks.sln")))
                return d.FullName;
        throw new DirectoryNotFoundException("no Runbooks.sln above " + AppContext.BaseDirectory);
    }
}
