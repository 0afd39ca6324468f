using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Text;
using System.Text.RegularExpressions;

namespace Runbooks.Redaction;

/// <summary>
/// Removes secrets from text before it is written anywhere that gets published (executed notebooks,
/// logs). Each secret becomes <c>[REDACTED:&lt;rule-name&gt;]</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Built-in rules (<see cref="Default"/>), each taking only the secret and leaving its context:</para>
/// <list type="bullet">
/// <item><c>pem-private-key</c>: a <c>-----BEGIN … PRIVATE KEY-----</c> block (RSA, EC, DSA, OPENSSH,
/// ENCRYPTED, PKCS#8, PGP … KEY BLOCK) replaced whole; without its END line, everything to the end of the text.</item>
/// <item><c>pem-private-key-tail</c>: base64 lines ending in an END … PRIVATE KEY line whose BEGIN is missing.</item>
/// <item><c>wg-conf-private-key</c>, <c>wg-conf-preshared-key</c>: the values of <c>PrivateKey =</c> and
/// <c>PresharedKey =</c> in wg-quick configs and <c>wg showconf</c> output, in any case and spacing.</item>
/// <item><c>wg-show-private-key</c>, <c>wg-show-preshared-key</c>: <c>private key: …</c> and
/// <c>preshared key: …</c> in <c>wg show</c> when keys are shown; <c>(hidden)</c> is left alone.</item>
/// <item><c>wg-dump-private-key</c>, <c>wg-dump-preshared-key</c>: the interface private key and the
/// peer preshared keys in <c>wg show &lt;if|all&gt; dump</c>, and the keys of <c>wg show … preshared-keys</c>.</item>
/// <item><c>fly-token</c>: Fly.io tokens (<c>fm2_…</c>, <c>fm1a_…</c>, <c>fm1r_…</c>, <c>fo1_…</c>); the
/// <c>FlyV1</c> scheme word stays.</item>
/// <item><c>authorization-header</c>: the credential after <c>Authorization: Bearer</c> (or any scheme).</item>
/// <item><c>url-credentials</c>: the password in <c>scheme://user:password@host</c>.</item>
/// <item><c>password-option</c>, <c>token-option</c>: the values of <c>--password</c>, <c>--passwd</c>,
/// <c>--passphrase</c>, openssl's <c>-pass… pass:</c>, and <c>--token</c>, <c>--access-token</c> and the like.</item>
/// <item><c>password-assignment</c>, <c>token-assignment</c>: the values of <c>password=</c>,
/// <c>PGPASSWORD=</c> and of names containing TOKEN, SECRET or API_KEY (<c>FLY_API_TOKEN=</c>).</item>
/// </list>
/// <para>Not covered, on purpose: a WireGuard key alone on a line, as printed by <c>wg genkey</c>,
/// <c>wg genpsk</c>, <c>wg show wg0 private-key</c> or <c>wg show all private-key</c>. It is identical in
/// form to the public keys that <c>wg pubkey</c> and <c>wg show wg0 public-key</c> print, which runbooks
/// must keep, so guessing would destroy evidence or leak by accident. Runbooks must not print such
/// output; a runbook that does needs its own rule (<see cref="WithPatterns"/>).</para>
/// <para>Rules run over the original text, not over each other's output; where two rules' secrets
/// overlap, their union becomes one marker, named by the rule whose secret starts first. Text that
/// is already redacted passes through unchanged.</para>
/// </remarks>
public sealed class Redactor
{
    /// <summary>Given to rules whose regex has no timeout of its own.</summary>
    public static TimeSpan DefaultMatchTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Options for <see cref="WithPatterns"/>: line anchors, no culture, compiled.</summary>
    public const RegexOptions PatternOptions =
        RegexOptions.Multiline | RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private const string MarkerPrefix = "[REDACTED:";

    /// <summary>The built-in rules listed in the remarks.</summary>
    public static Redactor Default { get; } = new(BuiltInRedactionRules.All.Select(ActiveRule.For).ToImmutableArray());

    private readonly ImmutableArray<ActiveRule> activeRules;

    private Redactor(ImmutableArray<ActiveRule> activeRules)
    {
        this.activeRules = activeRules;
        Rules = activeRules.Select(active => active.Rule).ToImmutableArray();
    }

    public IReadOnlyList<RedactionRule> Rules { get; }

    public static string MarkerFor(string ruleName) => MarkerPrefix + ruleName + "]";

    /// <summary>A redactor with these rules after the current ones.</summary>
    /// <exception cref="ArgumentException">A rule's name is already taken.</exception>
    public Redactor WithRules(IEnumerable<RedactionRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var names = activeRules.Select(active => active.Rule.Name).ToHashSet(StringComparer.Ordinal);
        var combined = activeRules.ToBuilder();
        foreach (var rule in rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
            if (!names.Add(rule.Name))
            {
                // Counts are reported per name; two rules sharing one would blur what was found.
                throw new ArgumentException($"A redaction rule named '{rule.Name}' already exists.", nameof(rules));
            }
            combined.Add(ActiveRule.For(rule));
        }
        return new Redactor(combined.ToImmutable());
    }

    /// <summary>
    /// A redactor with rules made from regex patterns (options: <see cref="PatternOptions"/>), after
    /// the current ones. A group named <c>secret</c> limits what is replaced, as in <see cref="RedactionRule"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A pattern is not a valid regex, or a name is unusable or taken.</exception>
    public Redactor WithPatterns(IEnumerable<(string Name, string Pattern)> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return WithRules(patterns.Select(entry => new RedactionRule(entry.Name, Compile(entry.Name, entry.Pattern))).ToList());
    }

    /// <summary>The text with every secret replaced; the same instance when there was none.</summary>
    public string Redact(string text) => RedactWithReport(text).Text;

    /// <summary>
    /// The redacted text and the number of markers per rule. If a rule runs out of time the whole
    /// text is withheld behind that rule's marker: a secret it might have found cannot be ruled out.
    /// </summary>
    public RedactionResult RedactWithReport(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<SecretSpan>? spans = null;
        for (var ruleIndex = 0; ruleIndex < activeRules.Length; ruleIndex++)
        {
            var active = activeRules[ruleIndex];
            try
            {
                for (var match = active.Rule.Pattern.Match(text); match.Success; match = match.NextMatch())
                {
                    Group secret = active.SecretGroup >= 0 ? match.Groups[active.SecretGroup] : match;
                    if (secret.Success && secret.Length > 0 && !IsMarker(text.AsSpan(secret.Index, secret.Length)))
                    {
                        (spans ??= []).Add(new SecretSpan(secret.Index, secret.Index + secret.Length, ruleIndex));
                    }
                }
            }
            catch (RegexMatchTimeoutException timeout)
            {
                return Withheld(active.Rule.Name, timeout.MatchTimeout);
            }
        }
        return spans is null ? RedactionResult.Unchanged(text) : Replace(text, spans);
    }

    private RedactionResult Replace(string text, List<SecretSpan> spans)
    {
        spans.Sort(SecretSpan.ByPosition);
        var redacted = new StringBuilder(text.Length);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var copiedUpTo = 0;
        var next = 0;
        while (next < spans.Count)
        {
            var first = spans[next++];
            var end = first.End;
            // Overlapping secrets merge, so no piece of either is left between two markers.
            while (next < spans.Count && spans[next].Start < end)
            {
                end = Math.Max(end, spans[next++].End);
            }
            var ruleName = activeRules[first.RuleIndex].Rule.Name;
            redacted.Append(text, copiedUpTo, first.Start - copiedUpTo).Append(MarkerFor(ruleName));
            counts[ruleName] = counts.GetValueOrDefault(ruleName) + 1;
            copiedUpTo = end;
        }
        redacted.Append(text, copiedUpTo, text.Length - copiedUpTo);
        return new RedactionResult(redacted.ToString(), counts.AsReadOnly());
    }

    private static RedactionResult Withheld(string ruleName, TimeSpan timeout) => new(
        $"{MarkerFor(ruleName)} output withheld: redaction rule '{ruleName}' timed out after {timeout.TotalMilliseconds:0} ms",
        new Dictionary<string, int> { [ruleName] = 1 }.AsReadOnly());

    // Lets already-redacted text go through again without new markers or counts.
    private static bool IsMarker(ReadOnlySpan<char> value) =>
        value.StartsWith(MarkerPrefix, StringComparison.Ordinal)
        && value.EndsWith("]", StringComparison.Ordinal)
        && value[MarkerPrefix.Length..^1].IndexOfAny("[] \t\r\n") < 0;

    private static Regex Compile(string name, string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        try
        {
            return new Regex(pattern, PatternOptions, DefaultMatchTimeout);
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"Redaction rule '{name}' has an invalid pattern: {error.Message}", "patterns", error);
        }
    }

    private readonly record struct ActiveRule(RedactionRule Rule, int SecretGroup)
    {
        public static ActiveRule For(RedactionRule rule)
        {
            // A regex without a timeout could hang the notebook run on one unlucky output.
            var bounded = rule.Pattern.MatchTimeout == Regex.InfiniteMatchTimeout
                ? rule with { Pattern = new Regex(rule.Pattern.ToString(), rule.Pattern.Options, DefaultMatchTimeout) }
                : rule;
            return new ActiveRule(bounded, bounded.Pattern.GroupNumberFromName(RedactionRule.SecretGroupName));
        }
    }

    private readonly record struct SecretSpan(int Start, int End, int RuleIndex)
    {
        // Earliest first; at one start the longest, then the earlier rule, so the marker is predictable.
        public static readonly Comparison<SecretSpan> ByPosition = (a, b) =>
            a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : a.End != b.End ? b.End.CompareTo(a.End)
            : a.RuleIndex.CompareTo(b.RuleIndex);
    }
}
