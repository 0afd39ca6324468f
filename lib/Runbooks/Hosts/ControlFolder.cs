using System.Globalization;
using System.Security.Cryptography;

namespace Runbooks.Hosts;

/// <summary>
/// A private folder (mode 0700) for one <see cref="SshHost"/>'s control socket and ssh logs. It sits
/// directly in /tmp, not in $TMPDIR: a Unix socket path must fit in 108 bytes, and $TMPDIR can be long.
/// </summary>
internal sealed class ControlFolder
{
    private const string Root = "/tmp";
    private const string Prefix = "rbssh-";

    private ControlFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>Where the master connection's socket lives, e.g. <c>/tmp/rbssh-4242-k3j9x2ab/m</c>.</summary>
    public string ControlPath => System.IO.Path.Combine(Path, "m");

    public static ControlFolder Create()
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("SshHost needs Unix domain sockets for ssh's ControlMaster; run it on Linux or macOS.");
        RemoveStale();
        // The name is unguessable, and creating it must not find it there already: another user could
        // otherwise have made it first and own the folder our socket and logs go into.
        for (var attempt = 0; ; attempt++)
        {
            var path = System.IO.Path.Combine(Root,
                $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 8)}");
            if (Directory.Exists(path) || File.Exists(path))
            {
                if (attempt < 5)
                    continue;
                throw new IOException($"could not create a private folder for ssh's control socket in {Root}");
            }
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new ControlFolder(path);
        }
    }

    public void Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // A process killed outright cannot remove its folder; the next one does, by owner pid. The masters
    // in them have already gone: ControlPersist ends a master soon after its last command.
    private static void RemoveStale()
    {
        if (!Directory.Exists("/proc/self"))
            return; // without /proc there is no telling which owners are alive
        foreach (var directory in Directory.EnumerateDirectories(Root, Prefix + "*"))
        {
            var owner = System.IO.Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Directory.Exists($"/proc/{pid}"))
                continue;
            new ControlFolder(directory).Delete();
        }
    }
}
