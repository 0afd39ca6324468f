using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Runbooks.Redaction;

/// <summary>
/// The rules behind <see cref="Redactor.Default"/>. Order matters only when two rules redact
/// exactly the same characters: the earlier one names the marker.
/// </summary>
/// <remarks>
/// WireGuard public keys are the evidence the runbooks exist to show, and they are byte for byte
/// the same shape as private and preshared keys. So no rule here looks for "a key"; each one looks
/// for the place where a tool prints a secret key and takes only that.
/// </remarks>
internal static partial class BuiltInRedactionRules
{
    // Generous enough for megabytes of output; a rule that still runs out fails closed (see Redactor).
    private const int TimeoutMilliseconds = 2000;

    // 32 bytes in base64: 42 free characters, a 43rd whose low two bits are zero, then one '='.
    private const string WgKey = @"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=";

    // Keeps a key-shaped run from being found in the middle of a longer base64 string.
    private const string NotInsideBase64 = @"(?<![A-Za-z0-9+/=])";

    // `wg show` bolds its field names when writing to a terminal.
    private const string AnsiStyles = @"(?:\x1B\[[0-9;]*m)*";

    // Not inside a longer word, where the letter ending a colour code does not count. One lookbehind
    // rather than an alternation, so the search can still skip ahead by the literal after it.
    private const string AfterWordBreak = @"(?<!(?<!\x1B\[[0-9;]*)[A-Za-z])";

    // Only the key itself: 44 base64 characters, as wg writes one, and not part of a longer base64 run. A code cell
    // that builds a config (`$"PrivateKey = {k}\nListenPort = 51820"`) has no key in it and must read as written;
    // "(not captured…)", what the network capture leaves in place of a key, is no key either.
    private const string WgConfigValue = @"[ \t]*=[ \t]*(?<secret>" + WgKey + @")(?![A-Za-z0-9+/=])";

    // A credential value on a command line, in an env listing or a config line: quoted (quotes kept
    // outside the secret; a backslash-escaped quote does not end it; a line cut off before the
    // closing quote still loses the value) or a bare word. ',' '&' ';' end a bare word because
    // credentials sit in lists like `-o username=u,password=p` or `?u=u&password=p`.
    private const string LineEnd = @"(?=[\r\n]|\z)";
    private const string Quoted =
        @"""(?<secret>(?:[^""\\\r\n]|\\.)+)(?:""|" + LineEnd + @")|'(?<secret>[^'\r\n]+)(?:'|" + LineEnd + ")";
    private const string CredentialValue = "(?:" + Quoted + @"|(?<secret>[^\s""'`,&;|<>]+))";

    // Same, but a value starting with '-' is the next option, as in `psql --password -h db`
    // where --password only asks for a prompt.
    private const string OptionValue =
        "(?:" + Quoted + @"|(?<secret>[^\s""'`,&;|<>-][^\s""'`,&;|<>]*))";

    private const string PemLabel = @"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?";

    private const RegexOptions Options = RegexOptions.CultureInvariant;

    public static ImmutableArray<RedactionRule> All { get; } =
    [
        new("pem-private-key", PemBlock(),
            "A PEM private key block (PKCS#1/#8, EC, DSA, OpenSSH, encrypted, PGP), replaced whole; "
            + "a block whose END line is missing is redacted to the end of the text."),
        new("pem-private-key-tail", PemTail(),
            "Base64 lines ending in a PEM 'END … PRIVATE KEY' line whose BEGIN is not in the text, "
            + "as left by `tail` or a cut-off capture."),
        new("wg-conf-private-key", WgConfigPrivateKey(),
            "The value of PrivateKey in a wg-quick config or `wg showconf` output (any case, spacing, comment)."),
        new("wg-conf-preshared-key", WgConfigPresharedKey(),
            "The value of PresharedKey in a wg-quick config or `wg showconf` output."),
        new("wg-show-private-key", WgShowPrivateKey(),
            "`private key: <key>` in `wg show` output when keys are not hidden (WG_HIDE_KEYS=never)."),
        new("wg-show-preshared-key", WgShowPresharedKey(),
            "`preshared key: <key>` in `wg show` output when keys are not hidden."),
        new("wg-dump-private-key", WgDumpPrivateKey(),
            "The private key that starts an interface line of `wg show <if|all> dump`."),
        new("wg-dump-preshared-key", WgDumpPresharedKey(),
            "The preshared key of a peer line of `wg show <if|all> dump` or `wg show <if|all> preshared-keys`."),
        new("fly-token", FlyToken(),
            "Fly.io macaroon and OAuth tokens (fm1a_, fm1r_, fm2_, fo1_), including comma-joined lists."),
        new("authorization-header", AuthorizationHeader(),
            "The credential of an HTTP Authorization or Proxy-Authorization header; the scheme word stays."),
        new("url-credentials", UrlCredentials(),
            "The password in scheme://user:password@host; the user stays."),
        new("password-option", PasswordOption(),
            "The value of --password/--passwd/--pass/--passphrase and of openssl -pass/-passin/-passout pass:…"),
        new("token-option", TokenOption(),
            "The value of --token, --access-token, --api-token, --auth-token."),
        new("password-assignment", PasswordAssignment(),
            "The value of password=/passwd= in any case and with any prefix (PGPASSWORD=, db_password = …)."),
        new("token-assignment", TokenAssignment(),
            "The value of a name containing TOKEN, SECRET or API_KEY, e.g. FLY_API_TOKEN=, client_secret=."),
    ];

    private const string AfterWordOrEscape = @"(?:(?<![A-Za-z0-9_])|(?<=\\[nrt]))";

    [GeneratedRegex(@"-----BEGIN " + PemLabel + @"-----[\s\S]*?(?:-----END " + PemLabel + @"-----|\z)",
        Options, TimeoutMilliseconds)]
    private static partial Regex PemBlock();

    // Right to left: the END line is found first and the base64 run is followed backwards, so a long
    // base64 text costs one pass instead of a retry at every line.
    [GeneratedRegex(@"(?:^[A-Za-z0-9+/=]+\r?\n)+-----END " + PemLabel + "-----",
        Options | RegexOptions.Multiline | RegexOptions.RightToLeft, TimeoutMilliseconds)]
    private static partial Regex PemTail();

    // A key name counts after a word break or after a \n, \r or \t escape: config templates in C# strings.
    [GeneratedRegex(AfterWordOrEscape + @"Private[ \t]*Key" + WgConfigValue,
        Options | RegexOptions.IgnoreCase, TimeoutMilliseconds)]
    private static partial Regex WgConfigPrivateKey();

    [GeneratedRegex(AfterWordOrEscape + @"Pre[ \t]*shared[ \t]*Key" + WgConfigValue,
        Options | RegexOptions.IgnoreCase, TimeoutMilliseconds)]
    private static partial Regex WgConfigPresharedKey();

    [GeneratedRegex(AfterWordBreak + "private key" + AnsiStyles + @":[ \t]*" + AnsiStyles + "(?<secret>" + WgKey + ")",
        Options, TimeoutMilliseconds)]
    private static partial Regex WgShowPrivateKey();

    [GeneratedRegex(AfterWordBreak + "preshared key" + AnsiStyles + @":[ \t]*" + AnsiStyles + "(?<secret>" + WgKey + ")",
        Options, TimeoutMilliseconds)]
    private static partial Regex WgShowPresharedKey();

    // Interface line: private key, public key, listen port, then fwmark (and, in AmneziaWG, more
    // numbers). Only here does a number follow the second key: on a peer line the endpoint does.
    // The match starts at the tab and reaches back for the key, so text without tabs is skipped
    // at memchr speed instead of trying a key at every letter.
    [GeneratedRegex(@"(?<=" + NotInsideBase64 + "(?<secret>" + WgKey + @"))\t" + WgKey + @"\t[0-9]+\t",
        Options, TimeoutMilliseconds)]
    private static partial Regex WgDumpPrivateKey();

    // Peer line: public key, preshared key, then an endpoint ("(none)" or host:port); or the two-column
    // `preshared-keys` listing, where the preshared key ends the line. "(none)" is not key-shaped.
    [GeneratedRegex(@"(?<=" + NotInsideBase64 + WgKey + @")\t(?<secret>" + WgKey + @")(?=\t(?:\(none\)|[^\t\r\n]*:[0-9]+)\t|\r?$)",
        Options | RegexOptions.Multiline, TimeoutMilliseconds)]
    private static partial Regex WgDumpPresharedKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:fm1[ar]|fm2|fo1)_[A-Za-z0-9+/=_-]{16,}(?:,(?:fm1[ar]|fm2|fo1)_[A-Za-z0-9+/=_-]{16,})*",
        Options, TimeoutMilliseconds)]
    private static partial Regex FlyToken();

    // The scheme word is optional: some APIs take a bare token. JSON quoting is allowed around the
    // name. A '-' may precede it, which covers Proxy-Authorization.
    [GeneratedRegex(@"(?<![A-Za-z0-9_])Authorization""?[ \t]*:[ \t]*""?(?:[A-Za-z][A-Za-z0-9_-]*[ \t]+)?(?<secret>[^\s""']+)",
        Options | RegexOptions.IgnoreCase, TimeoutMilliseconds)]
    private static partial Regex AuthorizationHeader();

    // The user may be empty (redis://:password@host); the password never holds '/' or '@'.
    // Starting at "://" rather than at the scheme lets the search skip ahead by that literal.
    [GeneratedRegex(@"(?<=[A-Za-z0-9])://[^\s/:@""'<>]*:(?<secret>[^\s/@""'<>]+)@",
        Options, TimeoutMilliseconds)]
    private static partial Regex UrlCredentials();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])(?:--pass(?:word|wd|phrase)?(?:=|[ \t]+)" + OptionValue
        + @"|-pass(?:in|out)?[ \t]+pass:" + CredentialValue + ")",
        Options, TimeoutMilliseconds)]
    private static partial Regex PasswordOption();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])--(?:access-|api-|auth-)?token(?:=|[ \t]+)" + OptionValue,
        Options, TimeoutMilliseconds)]
    private static partial Regex TokenOption();

    // No left boundary: PGPASSWORD, MYSQL_ROOT_PASSWORD and keyStorePassword all end in it. "==" is
    // a comparison in code, not an assignment.
    [GeneratedRegex(@"pass(?:word|wd)[ \t]*=(?!=)[ \t]*" + CredentialValue,
        Options | RegexOptions.IgnoreCase, TimeoutMilliseconds)]
    private static partial Regex PasswordAssignment();

    // The word must end the name or be followed by '_' parts (AWS_SECRET_ACCESS_KEY), so max_tokens=
    // and SecretName= stay. A scheme word such as "FlyV1 " before the value is kept.
    [GeneratedRegex(@"(?:token|secret|api_?key)(?:_[A-Za-z0-9]+)*[ \t]*=(?!=)[ \t]*(?:(?:FlyV1|Bearer|Basic)[ \t]+)?" + CredentialValue,
        Options | RegexOptions.IgnoreCase, TimeoutMilliseconds)]
    private static partial Regex TokenAssignment();
}
