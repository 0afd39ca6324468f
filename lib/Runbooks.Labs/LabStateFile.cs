using System.Text.Json;

namespace Runbooks.Labs;

/// <summary>A lab's lab.json: written by its build script, read back by every lab command.</summary>
internal static class LabStateFile
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The state in <paramref name="path"/>, or null when there is no such file (no lab is up).</summary>
    /// <exception cref="LabException">The file exists but is not a lab.json of this lab.</exception>
    public static T? Read<T>(string path, string lab, Func<T, bool> complete) where T : class
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        return Parse(text, path, lab, complete);
    }

    /// <param name="complete">Whether every field the build script writes is there: one missing means the file is
    /// not ours or was cut short.</param>
    public static T Parse<T>(string json, string source, string lab, Func<T, bool> complete) where T : class
    {
        T? state;
        try
        {
            state = JsonSerializer.Deserialize<T>(json, Json);
        }
        catch (JsonException e)
        {
            throw new LabException($"{source} is not a valid lab.json ({e.Message}); `runbook lab down {lab}` removes what is left of that lab.", e);
        }
        if (state is null || !complete(state))
            throw new LabException($"{source} does not describe a {lab} lab (fields missing or wrong); `runbook lab down {lab}` removes what is left of that lab.");
        return state;
    }
}
