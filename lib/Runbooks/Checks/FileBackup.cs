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

    /// <summary>
    /// Shell that removes <paramref name="path"/> (if it is there), keeping it as <c>FOLDER/PATH.removed</c>; ends with "; ".
    /// Unlike an edit's backup this copy is replaced each time: what undoing a removal needs is the file as it was
    /// last, and a second run finds nothing to remove, so it cannot overwrite the copy with nothing.
    /// </summary>
    public static string RemovalShell(string path)
    {
        var copy = ShellQuote.Quote(Folder + path + ".removed");
        var file = ShellQuote.Quote(path);
        // "|| exit 1": never removed unless copied, with or without set -e.
        return $"if [ -e {file} ]; then mkdir -p \"$(dirname {copy})\" && cp -p {file} {copy} && rm -f {file} || exit 1; fi; ";
    }

    /// <summary>Where <see cref="RemovalShell"/> keeps <paramref name="path"/>.</summary>
    public static string RemovedCopy(string path) => Folder + path + ".removed";
}
