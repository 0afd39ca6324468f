using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Runbooks.Autoextend.Install;

/// <summary>
/// The self-contained `runbook` build that is copied to the machines (lib/Runbooks.Machine, published by
/// <c>scripts/publish.sh machine</c> into <see cref="DefaultFolder"/>). Its <see cref="Version"/> is a hash of its
/// files, so a machine holding the same files is left alone and a changed build goes into a folder of its own.
/// </summary>
public sealed class GrowerBuild
{
    /// <summary>Where scripts/publish.sh puts it, relative to the repository.</summary>
    public const string DefaultFolder = "artifacts/publish/runbook-machine";

    private GrowerBuild(string folder, string version, IReadOnlyList<string> files, long bytes)
    {
        Folder = folder;
        Version = version;
        Files = files;
        Bytes = bytes;
    }

    public string Folder { get; }

    /// <summary>The first 12 hex digits of a SHA-256 over every file's relative path and content.</summary>
    public string Version { get; }

    /// <summary>Relative paths, in order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The files' total size.</summary>
    public long Bytes { get; }

    /// <summary>Reads the build in <paramref name="folder"/>.</summary>
    /// <exception cref="FileNotFoundException">No build there: the message says how to make one.</exception>
    public static GrowerBuild Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var full = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(full, "runbook")) || !File.Exists(Path.Combine(full, "runbook.dll")))
            throw new FileNotFoundException(
                $"no machine build of runbook in {full} (it needs runbook and runbook.dll): run scripts/publish.sh machine in the repository, which publishes it to {DefaultFolder}/", Path.Combine(full, "runbook"));
        var files = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(full, f)).Order(StringComparer.Ordinal).ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        foreach (var file in files)
        {
            var content = File.ReadAllBytes(Path.Combine(full, file));
            bytes += content.Length;
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            hash.AppendData(SHA256.HashData(content));
        }
        return new GrowerBuild(full, Convert.ToHexStringLower(hash.GetHashAndReset())[..12], files, bytes);
    }

    /// <summary>Writes the files as a gzip'd tar to <paramref name="archive"/>: what <see cref="Hosts.IHost.UploadAsync"/>
    /// copies to the machine, over any transport. File modes are kept (the executable stays one).</summary>
    public void PackTo(string archive)
    {
        using var output = File.Create(archive);
        using var gzip = new GZipStream(output, CompressionLevel.Optimal);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var file in Files)
            tar.WriteEntry(Path.Combine(Folder, file), file);
    }
}
