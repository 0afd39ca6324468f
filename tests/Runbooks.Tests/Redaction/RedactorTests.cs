using System.Text.RegularExpressions;
using Runbooks.Redaction;

namespace Runbooks.Tests.Redaction;

public class RedactorTests
{
    private const string LvsOutput = """
          LV   VG  Attr       LSize   Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert
          root vg0 -wi-ao---- <40.00g
          srv  vg0 -wi-ao---- 120.00g
        """;

    [Fact]
    public void Text_without_secrets_comes_back_as_the_same_instance()
    {
        Assert.Same(LvsOutput, Redactor.Default.Redact(LvsOutput));
        Assert.Same(string.Empty, Redactor.Default.Redact(string.Empty));

        var report = Redactor.Default.RedactWithReport(LvsOutput);
        Assert.Same(LvsOutput, report.Text);
        Assert.Empty(report.CountsByRule);
        Assert.Equal(0, report.TotalCount);
        Assert.False(report.AnythingRedacted);
    }

    [Fact]
    public void A_megabyte_of_ordinary_output_comes_back_unchanged()
    {
        var journal = string.Concat(Enumerable.Range(0, 6_000).Select(i =>
            $"Jun 10 14:{i % 60:00}:07 bastion-1 sshd[{1000 + i}]: Accepted publickey for ops from 198.51.100.{i % 250} port 5{i % 9999:0000} ssh2: ED25519 SHA256:OjV4UQiM1bdSYzDmWGxR1ZHTBg9DBQpD+uAipUYhOYE\n"));

        Assert.Same(journal, Redactor.Default.Redact(journal));
    }

    [Fact]
    public void Null_text_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => Redactor.Default.Redact(null!));
    }

    [Fact]
    public void Custom_patterns_redact_the_whole_match_or_only_the_secret_group()
    {
        var redactor = Redactor.Default.WithPatterns(
        [
            ("vault-token", @"\bhvs\.[A-Za-z0-9_-]{20,}"),
            ("lvm-passphrase", @"^passphrase: (?<secret>.+)$"),
        ]);
        var text = "VAULT_ADDR=https://vault:8200 token hvs.CAESIJlWh1Q8t0cU7Yx3mQ\npassphrase: correct horse\nok\n";

        var report = redactor.RedactWithReport(text);

        Assert.Equal(
            "VAULT_ADDR=https://vault:8200 token [REDACTED:vault-token]\npassphrase: [REDACTED:lvm-passphrase]\nok\n",
            report.Text);
        Assert.Equal(1, report.CountFor("vault-token"));
        Assert.Equal(1, report.CountFor("lvm-passphrase"));
    }

    [Fact]
    public void Adding_rules_leaves_the_original_redactor_as_it_was()
    {
        var before = Redactor.Default.Rules.Count;

        var extended = Redactor.Default.WithPatterns([("internal-host", @"\binternal-[a-z0-9]+\b")]);

        Assert.Equal(before, Redactor.Default.Rules.Count);
        Assert.Equal(before + 1, extended.Rules.Count);
        Assert.Equal("db internal-7 up", Redactor.Default.Redact("db internal-7 up"));
        Assert.Equal("db [REDACTED:internal-host] up", extended.Redact("db internal-7 up"));
    }

    [Fact]
    public void An_invalid_pattern_is_reported_with_the_rule_name_and_the_regex_error()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Redactor.Default.WithPatterns([("good", "a+"), ("broken-rule", @"PrivateKey = (?<secret>\S+")]));

        Assert.Contains("'broken-rule'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Not enough )'s", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<RegexParseException>(error.InnerException);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("bracket]")]
    public void An_unusable_rule_name_is_refused(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => Redactor.Default.WithPatterns([(name, "x")]));

        Assert.Contains("not usable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_already_taken_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Redactor.Default.WithPatterns([("fly-token", "x")]));

        Assert.Contains("'fly-token' already exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_cannot_be_given_an_unusable_name_afterwards()
    {
        var rule = new RedactionRule("fine", new Regex("x"));

        Assert.Throws<ArgumentException>(() => rule with { Name = "not fine" });
    }

    [Fact]
    public void A_regex_without_timeout_gets_the_default_one()
    {
        var redactor = Redactor.Default.WithRules([new RedactionRule("unbounded", new Regex("x"))]);

        Assert.Equal(Redactor.DefaultMatchTimeout, redactor.Rules[^1].Pattern.MatchTimeout);
        Assert.All(Redactor.Default.Rules, rule => Assert.NotEqual(Regex.InfiniteMatchTimeout, rule.Pattern.MatchTimeout));
    }

    [Fact]
    public void A_rule_that_times_out_withholds_the_whole_text()
    {
        // Nested quantifiers on a long run that cannot match backtrack exponentially.
        var slow = new RedactionRule("slow", new Regex(@"(\w+\s?)+$", RegexOptions.None, TimeSpan.FromMilliseconds(1)));
        var text = "PGPASSWORD=x " + new string('a', 64) + "!";

        var report = Redactor.Default.WithRules([slow]).RedactWithReport(text);

        Assert.StartsWith("[REDACTED:slow] output withheld", report.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("aaaa", report.Text, StringComparison.Ordinal);
        Assert.Equal(1, report.CountFor("slow"));
    }

    [Fact]
    public void Overlapping_secrets_merge_into_one_marker_named_by_the_first()
    {
        var redactor = Redactor.Default.WithPatterns([("left", "abcd"), ("right", "cdef")]);

        var report = redactor.RedactWithReport("xx abcdef yy");

        Assert.Equal("xx [REDACTED:left] yy", report.Text);
        Assert.Equal(1, report.TotalCount);
    }

    [Fact]
    public void A_secret_group_that_took_no_part_redacts_nothing()
    {
        var redactor = Redactor.Default.WithPatterns([("optional", @"key:(?<secret>\d+)?")]);

        Assert.Equal("key:abc", redactor.Redact("key:abc"));
        Assert.Equal("key:[REDACTED:optional]abc", redactor.Redact("key:42abc"));
    }

    [Fact]
    public void The_built_in_rules_are_the_documented_ones_and_all_explain_themselves()
    {
        string[] documented =
        [
            "pem-private-key", "pem-private-key-tail",
            "wg-conf-private-key", "wg-conf-preshared-key",
            "wg-show-private-key", "wg-show-preshared-key",
            "wg-dump-private-key", "wg-dump-preshared-key",
            "fly-token", "authorization-header", "url-credentials",
            "password-option", "token-option", "password-assignment", "token-assignment",
        ];

        Assert.Equal(documented, Redactor.Default.Rules.Select(rule => rule.Name));
        Assert.All(Redactor.Default.Rules, rule => Assert.False(string.IsNullOrWhiteSpace(rule.Description)));
    }

    [Fact]
    public void Markers_name_the_rule()
    {
        Assert.Equal("[REDACTED:wg-conf-private-key]", Redactor.MarkerFor("wg-conf-private-key"));
    }
}
