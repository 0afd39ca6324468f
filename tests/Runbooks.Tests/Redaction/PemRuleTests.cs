using Runbooks.Redaction;

namespace Runbooks.Tests.Redaction;

public class PemRuleTests
{
    // Throw-away keys from `openssl genpkey -algorithm EC` and `openssl ecparam -genkey`.
    private const string Pkcs8Body = """
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbNT2YbmKYiq+fTam
        ELGgOKOIZKK3RVei6EEc++KCmzGhRANCAATVFqaJetGvmE/9KteKng4jLa20Sj5p
        Zp76VkkqytifJH+B8bHP+CJ/TSHiQfIqmUxtQu03KXJSUX+mSvBs5Qte
        """;

    private const string EcBody = """
        MHcCAQEEID/FW3FPwlHmUH/z4JofeTlbHxy9TcY+3lUfP6bU3sfvoAoGCCqGSM49
        AwEHoUQDQgAExC6gbSD8rdb3SNHekePVI5mp+r3UIyUaBz07/JLRzDEv9X478FDv
        p9QFiNgaD2JDVSe2dDqyA+VEG/uV/ldKNQ==
        """;

    private static readonly string Pkcs8Key = $"-----BEGIN PRIVATE KEY-----\n{Pkcs8Body}\n-----END PRIVATE KEY-----";
    private static readonly string EcKey = $"-----BEGIN EC PRIVATE KEY-----\n{EcBody}\n-----END EC PRIVATE KEY-----";

    [Fact]
    public void Each_block_becomes_one_marker_and_the_text_between_stays()
    {
        var text = $"$ cat a.pem\n{Pkcs8Key}\n$ cat b.pem\n{EcKey}\n$ echo done\ndone\n";

        var report = Redactor.Default.RedactWithReport(text);

        Assert.Equal(
            "$ cat a.pem\n[REDACTED:pem-private-key]\n$ cat b.pem\n[REDACTED:pem-private-key]\n$ echo done\ndone\n",
            report.Text);
        Assert.Equal(2, report.CountFor("pem-private-key"));
        Assert.Equal(0, report.CountFor("pem-private-key-tail"));
    }

    [Fact]
    public void Crlf_block_is_redacted_whole()
    {
        var text = EcKey.ReplaceLineEndings("\r\n") + "\r\nnext\r\n";

        Assert.Equal("[REDACTED:pem-private-key]\r\nnext\r\n", Redactor.Default.Redact(text));
    }

    [Theory]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\nMIIEpAIBAAKCAQEAtpOi\n-----END RSA PRIVATE KEY-----")]
    [InlineData("-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQD\n-----END DSA PRIVATE KEY-----")]
    [InlineData("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq\n-----END ENCRYPTED PRIVATE KEY-----")]
    [InlineData("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGZ3kR0BDADJ\n=Xk2v\n-----END PGP PRIVATE KEY BLOCK-----")]
    [InlineData("{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG\\n-----END PRIVATE KEY-----\\n\"}")]
    public void Every_private_key_kind_is_recognised(string text)
    {
        var redacted = Redactor.Default.Redact(text);

        Assert.Contains("[REDACTED:pem-private-key]", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("MII", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_cut_off_before_its_end_is_redacted_to_the_end_of_the_text()
    {
        var cut = $"$ head -c 120 key.pem\n{Pkcs8Key[..120]}";

        Assert.Equal("$ head -c 120 key.pem\n[REDACTED:pem-private-key]", Redactor.Default.Redact(cut));
    }

    [Fact]
    public void A_block_whose_start_was_cut_off_loses_its_remaining_lines()
    {
        var bodyLines = EcBody.Split('\n');
        var tail = $"$ tail -n 3 key.pem\n{bodyLines[1]}\n{bodyLines[2]}\n-----END EC PRIVATE KEY-----\n$ echo ok\n";

        var report = Redactor.Default.RedactWithReport(tail);

        Assert.Equal("$ tail -n 3 key.pem\n[REDACTED:pem-private-key-tail]\n$ echo ok\n", report.Text);
        Assert.Equal(1, report.CountFor("pem-private-key-tail"));
    }

    [Theory]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPJMsOU3TcU9A1YQtKL27c8m6F9sbozA/ZxX7FPWdvMy ops@bastion")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1RamiXrRr5hP/Sr\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----")]
    [InlineData("-----END OPENSSH PRIVATE KEY-----")]
    [InlineData("grep -l 'BEGIN OPENSSH PRIVATE KEY' ~/.ssh/*")]
    public void Public_material_and_mentions_of_keys_stay(string text)
    {
        Assert.Same(text, Redactor.Default.Redact(text));
    }

    [Fact]
    public void Long_base64_output_without_keys_passes_quickly_and_unchanged()
    {
        // The tail rule reads lines backwards from an END line; without one it must not rescan.
        var base64Lines = string.Concat(Enumerable.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJz\n", 20_000));

        Assert.Same(base64Lines, Redactor.Default.Redact(base64Lines));
    }
}
