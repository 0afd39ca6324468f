using Runbooks.Network.Snapshot;

namespace Runbooks.Tests.Capture;

/// <summary>
/// The real captures in data/captures/network (made by its make-lab.sh; see its README): three whole captures of a
/// namespace lab and focused outputs of single commands. Keys differ each time the lab is made, so tests compare
/// keys with each other rather than with literals.
/// </summary>
internal static class NetworkFixtures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "captures", "network");

    public static string Read(string fileName) => File.ReadAllText(Path.Combine(Directory, fileName));

    /// <summary>The stdout of one section of a whole capture, as the parser gets it.</summary>
    public static string Section(string captureFile, string section) =>
        NetworkCapture.Split(Read(captureFile)).Sections.Single(s => s.Name == section).Output;

    public static NetworkSnapshot Snapshot(string captureFile) =>
        NetworkCapture.Parse(captureFile, Read(captureFile), DateTimeOffset.UnixEpoch);
}
