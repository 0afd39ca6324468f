namespace Runbooks.Autoextend.Runtime;

/// <summary>
/// One grower per volume: two would both see the volume nearly full and both grow it. An exclusive open of a lock
/// file, which .NET takes as an flock on Linux: it dies with its process, so a crashed grower leaves no stale lock.
/// </summary>
public sealed class VolumeLock : IDisposable
{
    private readonly FileStream _file;

    private VolumeLock(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>The lock file of <paramref name="volume"/> ("vg0/data0") kept from <paramref name="where"/> ("local" or
    /// a host name) in <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, string where, string volume) =>
        System.IO.Path.Combine(directory, $"runbook-autoextend-{where}-{volume.Replace('/', '-')}.lock");

    /// <exception cref="InvalidOperationException">Another grower holds it: the message names the file and its pid.</exception>
    public static VolumeLock Acquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            // The holder's pid is in the file, but .NET cannot open a file another process holds this way: fuser can.
            throw new InvalidOperationException($"another autoextend already keeps this volume (it holds {path}; `fuser {path}` names it); stop it first, or let it be: one grower per volume", e);
        }
        file.SetLength(0);
        using (var writer = new StreamWriter(file, leaveOpen: true))
            writer.Write(Environment.ProcessId);
        file.Flush();
        return new VolumeLock(file, path);
    }

    public void Dispose() => _file.Dispose();
}
