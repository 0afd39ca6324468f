using System.Text.Json;

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

    /// <summary>A parameter of a profile in the repository's nbconfig.json, as a string; null when the profile has none.</summary>
    public static string? ProfileParameter(string notebook, string profile, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "nbconfig.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return json.RootElement.GetProperty("notebooks").GetProperty(notebook).GetProperty("profiles").GetProperty(profile)
            .GetProperty("parameters").TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
