using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Runbooks.Autoextend.Install;

namespace Runbooks.Tests.Autoextend.Install;

// The build is linux-x64 and its modes are Unix file modes.
[UnsupportedOSPlatform("windows")]
public sealed class GrowerBuildTests : IDisposable
{
    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode Plain = (UnixFileMode)0b110_100_100; // 0644

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly Dictionary<string, string> Contents = new()
    {
        ["runbook"] = "#!/bin/sh\necho the apphost\n",
        ["runbook.dll"] = "MZ not really an assembly",
        ["sub/x.txt"] = "x",
    };

    private void WriteBuild()
    {
        foreach (var (name, content) in Contents)
            _folder.File(name, content);
        File.SetUnixFileMode(_folder.Combine("runbook"), Executable);
        File.SetUnixFileMode(_folder.Combine("runbook.dll"), Plain);
    }

    [Fact]
    public void A_folder_without_a_build_says_how_to_make_one()
    {
        var error = Assert.Throws<FileNotFoundException>(() => GrowerBuild.Open(_folder.Path));

        Assert.Contains("scripts/publish.sh machine", error.Message, StringComparison.Ordinal);
        Assert.Contains(_folder.Path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("runbook")]
    [InlineData("runbook.dll")]
    public void A_build_missing_either_of_its_two_files_is_none(string missing)
    {
        WriteBuild();
        File.Delete(_folder.Combine(missing));

        var error = Assert.Throws<FileNotFoundException>(() => GrowerBuild.Open(_folder.Path));

        Assert.Contains("scripts/publish.sh machine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_version_is_twelve_hex_digits_and_the_same_for_the_same_files()
    {
        WriteBuild();

        var first = GrowerBuild.Open(_folder.Path);
        var second = GrowerBuild.Open(_folder.Path);

        Assert.Matches(new Regex("^[0-9a-f]{12}$"), first.Version);
        Assert.Equal(first.Version, second.Version);
    }

    [Fact]
    public void Changing_a_file_changes_the_version()
    {
        WriteBuild();
        var before = GrowerBuild.Open(_folder.Path).Version;

        _folder.File("sub/x.txt", "y");

        Assert.NotEqual(before, GrowerBuild.Open(_folder.Path).Version);
    }

    [Fact]
    public void Renaming_a_file_changes_the_version()
    {
        WriteBuild();
        var before = GrowerBuild.Open(_folder.Path).Version;

        File.Move(_folder.Combine("sub/x.txt"), _folder.Combine("sub/y.txt"));

        Assert.NotEqual(before, GrowerBuild.Open(_folder.Path).Version);
    }

    [Fact]
    public void Files_are_relative_and_in_order_and_bytes_are_their_total()
    {
        WriteBuild();

        var build = GrowerBuild.Open(_folder.Path);

        Assert.Equal(["runbook", "runbook.dll", "sub/x.txt"], build.Files);
        Assert.Equal(Contents.Values.Sum(c => (long)Encoding.UTF8.GetByteCount(c)), build.Bytes);
        Assert.Equal(Path.GetFullPath(_folder.Path), build.Folder);
    }

    [Fact]
    public void The_pack_holds_every_file_with_its_content_and_keeps_the_executable_bit()
    {
        WriteBuild();
        var build = GrowerBuild.Open(_folder.Path);

        var entries = new List<(string Name, string Content, UnixFileMode Mode)>();
        var archive = Path.Combine(_folder.Path, "..", $"pack-{Guid.NewGuid():N}.tar.gz");
        build.PackTo(archive);
        using (var gzip = new GZipStream(new MemoryStream(File.ReadAllBytes(archive)), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
                using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
                entries.Add((entry.Name, reader.ReadToEnd(), entry.Mode));
            }
        }

        Assert.Equal(build.Files, entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal(Contents[e.Name], e.Content));
        File.Delete(archive);
        var runbook = entries.Single(e => e.Name == "runbook");
        Assert.Equal(Executable, runbook.Mode & Executable);
        Assert.True(runbook.Mode.HasFlag(UnixFileMode.UserExecute));
        Assert.False(entries.Single(e => e.Name == "runbook.dll").Mode.HasFlag(UnixFileMode.UserExecute));
    }
}
