namespace Runbooks.Labs;

/// <summary>
/// One process at a time builds or removes a given lab: two `lab up` at once would both create the same bridge
/// and kill each other's machines. The lock is an exclusive open of a lock file, which .NET takes as an flock
/// on Linux, so it also keeps apart test runs in separate processes, and dies with its process.
/// </summary>
internal sealed class LabLock : IDisposable
{
    private static readonly TimeSpan s_retryInterval = TimeSpan.FromMilliseconds(50);

    private readonly FileStream _file;

    private LabLock(FileStream file) => _file = file;

    /// <summary>Waits up to <paramref name="timeout"/> for the lock in <paramref name="path"/> (made if missing).</summary>
    /// <exception cref="LabException">Another process held it for the whole time.</exception>
    public static async Task<LabLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new LabLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(s_retryInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new LabException(
                    $"another process has been building or removing this lab for over {timeout.TotalSeconds:0} s (it holds {path}); wait for it, or stop it.", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
