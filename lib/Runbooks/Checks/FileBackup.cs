using Runbooks.Hosts;

namespace Runbooks.Checks;

/// <summary>
/// Where fixes keep the originals of the files they edit on a machine: under one folder, at the file's own path, and
/// only the first original (a second run must not replace it with the already-fixed file).
/// </summary>
public static class FileBackup
{
    public const string Folder = "/var/backups/runbook";

    /// <summary>Shell that copies <paramref name="path"/> to <see cref="Folder"/> unless a copy is there; ends with "; ".</summary>
    public static string Shell(string path)
    {
        var copy = ShellQuote.Quote(Folder + path);
        return $"[ -e {copy} ] || {{ mkdir -p \"$(dirname {copy})\" && cp -p {ShellQuote.Quote(path)} {copy}; }}; ";
    }
}
