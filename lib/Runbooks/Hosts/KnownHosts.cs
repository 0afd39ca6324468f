using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Runbooks.Hosts;

/// <summary>What a known_hosts file says about the key a host presented.</summary>
internal enum HostKeyVerdict
{
    /// <summary>A line for this host holds this very key.</summary>
    Known,

    /// <summary>No line for this host holds a key of this type (keys of other types may be there).</summary>
    Unknown,

    /// <summary>A line for this host holds a different key of the same type, or the key is marked @revoked.</summary>
    Changed,
}

/// <summary>The answer of <see cref="KnownHosts.Check"/>: the verdict, and for a changed key the line that holds the old one.</summary>
internal sealed record HostKeyCheck(HostKeyVerdict Verdict, string? OffendingLocation, IReadOnlyList<string> KnownTypes);

/// <summary>
/// Reads and appends OpenSSH known_hosts files, for the transport that has no ssh of its own (<see cref="SshNetHost"/>):
/// plain and hashed (<c>|1|salt|hash</c>) host names, <c>[host]:port</c> for ports other than 22, comma-separated
/// lists, <c>*</c>/<c>?</c> wildcards and <c>!</c> negations, <c>@revoked</c>. <c>@cert-authority</c> lines are
/// skipped: host certificates are not checked, only plain host keys.
/// </summary>
internal static class KnownHosts
{
    /// <summary>The default file, as ssh uses it.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>How ssh names a host in known_hosts: the bare name for port 22, else <c>[name]:port</c>.</summary>
    public static string HostPattern(string host, int port) =>
        port == 22 ? host : $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <param name="keyBlob">The key as sent on the wire (its SSH encoding, which starts with its type).</param>
    public static HostKeyCheck Check(string file, string host, int port, byte[] keyBlob)
    {
        var name = HostPattern(host, port);
        var type = KeyType(keyBlob);
        var knownTypes = new List<string>();
        var lines = File.Exists(file) ? File.ReadAllLines(file) : [];
        string? offending = null;
        var known = false;
        for (var number = 1; number <= lines.Length; number++)
        {
            if (Parse(lines[number - 1]) is not { } entry || !Matches(entry.Hosts, name))
                continue;
            var location = $"{file}:{number.ToString(CultureInfo.InvariantCulture)}";
            if (entry.Marker == "@revoked")
            {
                if (entry.Key.AsSpan().SequenceEqual(keyBlob))
                    return new HostKeyCheck(HostKeyVerdict.Changed, location, knownTypes);
                continue;
            }
            if (entry.Marker is not null)
                continue; // @cert-authority: not supported, see the class comment
            knownTypes.Add(entry.Type);
            if (entry.Type != type)
                continue;
            if (entry.Key.AsSpan().SequenceEqual(keyBlob))
                known = true;
            else
                offending ??= location;
        }
        // ssh accepts a key that any line holds, even when another line for the host has an old key of the same type.
        return known ? new HostKeyCheck(HostKeyVerdict.Known, null, knownTypes)
            : offending is not null ? new HostKeyCheck(HostKeyVerdict.Changed, offending, knownTypes)
            : new HostKeyCheck(HostKeyVerdict.Unknown, null, knownTypes);
    }

    /// <summary>The key types the file holds for the host, in file order: the ones to ask the server for first,
    /// as ssh does, so a host with several keys presents one that can be checked.</summary>
    public static IReadOnlyList<string> TypesFor(string file, string host, int port)
    {
        var name = HostPattern(host, port);
        return !File.Exists(file) ? []
            : [.. File.ReadLines(file).Select(Parse).OfType<Entry>().Where(e => e.Marker is null && Matches(e.Hosts, name)).Select(e => e.Type).Distinct()];
    }

    /// <summary>Appends the key (what accept-new does), creating the file and its folder (0700) when missing.</summary>
    public static void Append(string file, string host, int port, byte[] keyBlob)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (!Directory.Exists(folder) && OperatingSystem.IsWindows())
            Directory.CreateDirectory(folder);
        else if (!Directory.Exists(folder))
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var line = $"{HostPattern(host, port)} {KeyType(keyBlob)} {Convert.ToBase64String(keyBlob)}\n";
        // A file without a final newline would have the new line glued to its last one.
        var needsNewline = File.Exists(file) && new FileInfo(file).Length > 0 && LastByte(file) != '\n';
        File.AppendAllText(file, (needsNewline ? "\n" : "") + line);
    }

    /// <summary><c>SHA256:</c> and the unpadded base64 of the key's hash, as ssh prints fingerprints.</summary>
    public static string Fingerprint(byte[] keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>The type a key blob names first (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, …).</summary>
    public static string KeyType(byte[] keyBlob)
    {
        if (keyBlob.Length < 4)
            return "";
        var length = BinaryPrimitives.ReadUInt32BigEndian(keyBlob);
        return length <= (uint)(keyBlob.Length - 4) ? Encoding.ASCII.GetString(keyBlob, 4, (int)length) : "";
    }

    private sealed record Entry(string? Marker, string Hosts, string Type, byte[] Key);

    private static Entry? Parse(string line)
    {
        var fields = line.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0].StartsWith('#'))
            return null;
        string? marker = null;
        if (fields[0].StartsWith('@'))
        {
            marker = fields[0];
            fields = fields[1..];
        }
        if (fields.Length < 3)
            return null;
        try
        {
            return new Entry(marker, fields[0], fields[1], Convert.FromBase64String(fields[2]));
        }
        catch (FormatException)
        {
            return null; // ssh skips a line it cannot read, and so do we
        }
    }

    private static bool Matches(string patterns, string name)
    {
        if (patterns.StartsWith("|1|", StringComparison.Ordinal))
            return HashedMatches(patterns, name);
        var matched = false;
        foreach (var pattern in patterns.Split(','))
        {
            var negated = pattern.StartsWith('!');
            if (!Wildcard(negated ? pattern[1..] : pattern, name))
                continue;
            if (negated)
                return false;
            matched = true;
        }
        return matched;
    }

    // |1|base64(salt)|base64(HMAC-SHA1 keyed with the salt, of the name)
    private static bool HashedMatches(string field, string name)
    {
        var parts = field.Split('|');
        if (parts.Length != 4)
            return false;
        try
        {
            var hash = HMACSHA1.HashData(Convert.FromBase64String(parts[2]), Encoding.UTF8.GetBytes(name));
            return CryptographicOperations.FixedTimeEquals(hash, Convert.FromBase64String(parts[3]));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Wildcard(string pattern, string name)
    {
        if (!pattern.Contains('*') && !pattern.Contains('?'))
            return string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(name, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }

    private static int LastByte(string file)
    {
        using var stream = File.OpenRead(file);
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte();
    }
}
