using Runbooks.Redaction;

namespace Runbooks.Tests.Redaction;

public class FixtureRedactionTests
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> ExpectedCounts =
        new Dictionary<string, IReadOnlyDictionary<string, int>>
        {
            ["wg0.conf"] = Counts(("wg-conf-private-key", 1), ("wg-conf-preshared-key", 2)),
            ["wg-showconf-wg0.txt"] = Counts(("wg-conf-private-key", 1), ("wg-conf-preshared-key", 2)),
            ["wg-show-keys-shown.txt"] = Counts(("wg-show-private-key", 2), ("wg-show-preshared-key", 3)),
            ["wg-show-all-dump.txt"] = Counts(("wg-dump-private-key", 2), ("wg-dump-preshared-key", 3)),
            ["id_ed25519"] = Counts(("pem-private-key", 1)),
            ["rsa-private-key.pem"] = Counts(("pem-private-key", 1)),
            ["truncated-pem.log"] = Counts(("pem-private-key", 1)),
            ["mixed-session.log"] = Counts(
                ("wg-dump-preshared-key", 1),
                ("wg-conf-private-key", 1),
                ("wg-conf-preshared-key", 1),
                ("password-assignment", 1),
                ("password-option", 1),
                ("authorization-header", 1),
                ("url-credentials", 1),
                ("fly-token", 2),
                ("token-assignment", 1),
                ("pem-private-key", 2)),
        };

    public static TheoryData<string> FixtureNames => new(ExpectedCounts.Keys);

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Every_secret_is_gone(string fixture)
    {
        var redacted = Redactor.Default.Redact(RedactionFixtures.Read(fixture));

        var leaked = RedactionFixtures.Secrets.Where(secret => redacted.Contains(secret, StringComparison.Ordinal)).ToList();
        Assert.Empty(leaked);
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Public_keys_and_endpoints_survive_unchanged(string fixture)
    {
        var original = RedactionFixtures.Read(fixture);
        var redacted = Redactor.Default.Redact(original);

        foreach (var evidence in RedactionFixtures.Evidence)
        {
            Assert.True(
                RedactionFixtures.Occurrences(original, evidence) == RedactionFixtures.Occurrences(redacted, evidence),
                $"'{evidence}' was altered in {fixture}:\n{redacted}");
        }
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Counts_per_rule_match_the_secrets_in_the_capture(string fixture)
    {
        var report = Redactor.Default.RedactWithReport(RedactionFixtures.Read(fixture));

        Assert.Equal(
            ExpectedCounts[fixture].OrderBy(pair => pair.Key),
            report.CountsByRule.OrderBy(pair => pair.Key));
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Redacting_twice_changes_nothing_more(string fixture)
    {
        var once = Redactor.Default.Redact(RedactionFixtures.Read(fixture));

        var twice = Redactor.Default.RedactWithReport(once);

        Assert.Same(once, twice.Text);
        Assert.False(twice.AnythingRedacted);
    }

    [Fact]
    public void The_fixtures_really_contain_what_the_tests_look_for()
    {
        // Guards against a regenerated capture that silently drops a secret or a piece of evidence,
        // which would make the checks above pass without testing anything.
        var everything = string.Concat(ExpectedCounts.Keys.Select(RedactionFixtures.Read));

        Assert.All(RedactionFixtures.Secrets, secret => Assert.Contains(secret, everything, StringComparison.Ordinal));
        Assert.All(RedactionFixtures.Evidence, evidence => Assert.Contains(evidence, everything, StringComparison.Ordinal));
        Assert.Contains(RedactionFixtures.Secrets, secret => secret.StartsWith("fm2_", StringComparison.Ordinal));
        Assert.True(RedactionFixtures.Evidence.Count(IsWireGuardKey) >= 6);
    }

    [Fact]
    public void Wg_quick_config_keeps_everything_but_the_keys()
    {
        var original = RedactionFixtures.Read("wg0.conf");
        var redacted = Redactor.Default.Redact(original);

        var originalLines = original.Split('\n');
        var redactedLines = redacted.Split('\n');
        Assert.Equal(originalLines.Length, redactedLines.Length);
        for (var i = 0; i < originalLines.Length; i++)
        {
            if (originalLines[i].Contains("PrivateKey", StringComparison.Ordinal))
            {
                Assert.Equal("PrivateKey = [REDACTED:wg-conf-private-key]", redactedLines[i]);
            }
            else if (originalLines[i].StartsWith("presharedkey=", StringComparison.OrdinalIgnoreCase)
                || originalLines[i].StartsWith("PresharedKey =", StringComparison.Ordinal))
            {
                Assert.EndsWith("[REDACTED:wg-conf-preshared-key]", redactedLines[i], StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(originalLines[i], redactedLines[i]);
            }
        }
    }

    [Fact]
    public void Truncated_capture_is_redacted_from_the_begin_line_to_the_end()
    {
        var original = RedactionFixtures.Read("truncated-pem.log");

        var redacted = Redactor.Default.Redact(original);

        Assert.Equal("$ sudo cat /root/.ssh/id_rsa_backup\n[REDACTED:pem-private-key]", redacted);
    }

    [Fact]
    public void Session_log_outside_the_secrets_reads_as_before()
    {
        var redacted = Redactor.Default.Redact(RedactionFixtures.Read("mixed-session.log"));

        Assert.Contains("  private key: (hidden)\n", redacted, StringComparison.Ordinal);
        Assert.Contains("$ PGPASSWORD='[REDACTED:password-assignment]' psql -h 10.8.0.1", redacted, StringComparison.Ordinal);
        Assert.Contains("--password=\"[REDACTED:password-option]\" -e", redacted, StringComparison.Ordinal);
        Assert.Contains("-H \"Authorization: Bearer [REDACTED:authorization-header]\" https://api.example.net", redacted, StringComparison.Ordinal);
        Assert.Contains("https://metrics:[REDACTED:url-credentials]@prometheus.example.net", redacted, StringComparison.Ordinal);
        Assert.Contains("FLY_API_TOKEN=FlyV1 [REDACTED:fly-token]\nFLY_APP=wg-hub\n", redacted, StringComparison.Ordinal);
        Assert.Contains("HCLOUD_TOKEN=[REDACTED:token-assignment]\n", redacted, StringComparison.Ordinal);
        Assert.Contains("$ cat ~/.ssh/id_ed25519\n[REDACTED:pem-private-key]\n$ sudo cat", redacted, StringComparison.Ordinal);
        Assert.Contains("legacy-vpn.key\n[REDACTED:pem-private-key]\n$ sudo lvs", redacted, StringComparison.Ordinal);
        Assert.EndsWith("  srv   vg0 120.00g\n", redacted, StringComparison.Ordinal);
    }

    private static bool IsWireGuardKey(string value) =>
        value.Length == 44 && value.EndsWith('=') && Convert.TryFromBase64String(value, new byte[32], out var length) && length == 32;

    private static IReadOnlyDictionary<string, int> Counts(params (string Rule, int Count)[] counts) =>
        counts.ToDictionary(entry => entry.Rule, entry => entry.Count);
}
