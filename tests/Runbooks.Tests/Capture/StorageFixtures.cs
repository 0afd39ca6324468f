using Runbooks.Storage.Snapshot;

namespace Runbooks.Tests.Capture;

/// <summary>
/// The real captures in data/captures/storage (made by its make-lab.sh; see its README): whole captures of a loop-device
/// LVM lab (lab.txt; lab-bare.txt without lvm2) and focused outputs of single commands. Loop device numbers, PIDs,
/// timestamps and usage figures are those of the run that made the files.
/// </summary>
internal static class StorageFixtures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "captures", "storage");

    public static string Read(string fileName) => File.ReadAllText(Path.Combine(Directory, fileName));

    public static StorageSnapshot Snapshot(string captureFile) =>
        StorageCapture.Parse(captureFile, Read(captureFile), DateTimeOffset.UnixEpoch);
}
