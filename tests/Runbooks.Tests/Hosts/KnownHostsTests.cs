using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>The known_hosts reader of the SSH.NET transport, on files as ssh and ssh-keygen write them.</summary>
public sealed class KnownHostsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void AHashedLine_AsSshKeygenWritesIt_Matches()
    {
        var (key, line) = Key("host_a");
        var file = _folder.File("known_hosts", $"[10.0.0.7]:2222 {line}\n");
        Assert.Equal(0, Processes.Run("ssh-keygen", "-H", "-f", file).ExitCode); // hashes every name in place
        Assert.StartsWith("|1|", File.ReadAllText(file));

        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check(file, "10.0.0.7", 2222, key).Verdict);
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check(file, "10.0.0.7", 22, key).Verdict);
    }

    [Fact]
    public void Port22_IsTheBareName_OtherPortsAreBracketed()
    {
        var (key, line) = Key("host_b");
        var file = _folder.File("known_hosts", $"# comment\n\nbox.example {line}\n");

        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check(file, "box.example", 22, key).Verdict);
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check(file, "box.example", 2200, key).Verdict);
        Assert.Equal("[box.example]:2200", KnownHosts.HostPattern("box.example", 2200));
    }

    [Fact]
    public void WildcardsAndNegations_MatchAsInSsh()
    {
        var (key, line) = Key("host_c");
        var file = _folder.File("known_hosts", $"*.lab,!db.lab {line}\n");

        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check(file, "web.lab", 22, key).Verdict);
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check(file, "db.lab", 22, key).Verdict);
    }

    [Fact]
    public void ADifferentKeyOfTheSameType_IsChanged_NamingItsLine_ButOneOfAnotherTypeIsUnknown()
    {
        var (key, _) = Key("host_d");
        var (_, otherLine) = Key("host_e");
        var (_, rsaLine) = Key("host_f", "rsa");
        var sameType = _folder.File("same", $"a.lab {otherLine}\n");
        var otherType = _folder.File("other", $"a.lab {rsaLine}\n");

        var changed = KnownHosts.Check(sameType, "a.lab", 22, key);
        var unknown = KnownHosts.Check(otherType, "a.lab", 22, key);

        Assert.Equal(HostKeyVerdict.Changed, changed.Verdict);
        Assert.Equal($"{sameType}:1", changed.OffendingLocation);
        Assert.Equal(HostKeyVerdict.Unknown, unknown.Verdict);
        Assert.Equal(["ssh-rsa"], unknown.KnownTypes);
        Assert.Equal(["ssh-rsa"], KnownHosts.TypesFor(otherType, "a.lab", 22));
    }

    [Fact]
    public void ARevokedKey_IsChanged_EvenWhenAnotherLineAcceptsIt()
    {
        var (key, line) = Key("host_g");
        var file = _folder.File("known_hosts", $"a.lab {line}\n@revoked * {line}\n");

        Assert.Equal(HostKeyVerdict.Changed, KnownHosts.Check(file, "a.lab", 22, key).Verdict);
    }

    [Fact]
    public void Append_WritesALineSshKeygenFinds_EvenAfterAFileWithoutFinalNewline()
    {
        var (key, line) = Key("host_h");
        var (_, otherLine) = Key("host_i");
        var file = _folder.File("known_hosts", $"other.lab {otherLine}"); // no final newline

        KnownHosts.Append(file, "127.0.0.1", 2022, key);

        var lookup = Processes.Run("ssh-keygen", "-F", "[127.0.0.1]:2022", "-f", file);
        Assert.True(lookup.ExitCode == 0, lookup.Output);
        Assert.Contains(line.Split(' ')[1], lookup.Stdout);
        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check(file, "127.0.0.1", 2022, key).Verdict);
        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check(file, "other.lab", 22, Convert.FromBase64String(otherLine.Split(' ')[1])).Verdict);
    }

    [Fact]
    public void Fingerprint_IsWhatSshKeygenPrints()
    {
        var (key, _) = Key("host_j");

        var printed = Processes.Run("ssh-keygen", "-l", "-E", "sha256", "-f", _folder.Combine("host_j.pub"));

        Assert.Contains(KnownHosts.Fingerprint(key), printed.Stdout);
    }

    /// <summary>A fresh public key: its blob and its "type base64" part of a known_hosts line.</summary>
    private (byte[] Blob, string Line) Key(string name, string type = "ed25519")
    {
        var generated = Processes.Run("ssh-keygen", "-q", "-t", type, "-N", "", "-f", _folder.Combine(name));
        Assert.True(generated.ExitCode == 0, generated.Output);
        var fields = File.ReadAllText(_folder.Combine(name + ".pub")).Split(' ');
        return (Convert.FromBase64String(fields[1]), $"{fields[0]} {fields[1]}");
    }
}
