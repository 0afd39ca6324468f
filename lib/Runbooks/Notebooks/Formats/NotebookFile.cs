namespace Runbooks.Notebooks.Formats;

/// <summary>Reads and writes notebooks by file extension: <c>.ipynb</c> (nbformat 4) and <c>.dib</c> (Polyglot's plain-text form).</summary>
public static class NotebookFile
{
    public static Notebook Read(string path)
    {
        if (!File.Exists(path))
            throw new NotebookFormatException($"{path}: no such notebook file. Give a path to an .ipynb or .dib file, or a name from nbconfig.json.");
        var text = File.ReadAllText(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".ipynb" => Ipynb.Parse(text, path),
            ".dib" => Dib.Parse(text, path),
            var other => throw new NotebookFormatException($"{path}: '{other}' is not a notebook format this engine reads; use .ipynb or .dib."),
        };
    }

    /// <summary>Writes <paramref name="notebook"/> as .ipynb (a .dib has nowhere to keep outputs), atomically.</summary>
    public static void WriteIpynb(Notebook notebook, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, Ipynb.Serialize(notebook));
        File.Move(temporary, path, overwrite: true);
    }
}
