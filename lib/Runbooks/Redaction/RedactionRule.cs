using System.Text.RegularExpressions;

namespace Runbooks.Redaction;

/// <summary>
/// One kind of secret the <see cref="Redactor"/> removes. Each match of <see cref="Pattern"/> is
/// replaced by <c>[REDACTED:<see cref="Name"/>]</c>; when the pattern has a group named
/// <c>secret</c> (<see cref="SecretGroupName"/>), only that group is replaced, so context such as
/// <c>PrivateKey = </c> stays readable. A match whose <c>secret</c> group did not take part
/// redacts nothing.
/// </summary>
/// <param name="Name">Appears in the marker and in reports: letters, digits, '.', '_' and '-'.</param>
/// <param name="Pattern">What to find. Give it a match timeout; one without is given
/// <see cref="Redactor.DefaultMatchTimeout"/> when added to a redactor.</param>
/// <param name="Description">What the rule covers, for people reading a rule list.</param>
public sealed record RedactionRule(string Name, Regex Pattern, string? Description = null)
{
    public const string SecretGroupName = "secret";

    // Re-declared so a `with` expression cannot slip an unusable name or a null pattern past the
    // checks: a name with ']' or spaces would make markers ambiguous to anyone reading the notes.
    public string Name { get; init => field = RequireValidName(value); } = RequireValidName(Name);

    public Regex Pattern { get; init => field = value ?? throw new ArgumentNullException(nameof(Pattern)); }
        = Pattern ?? throw new ArgumentNullException(nameof(Pattern));

    private static string RequireValidName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !name.All(IsNameCharacter))
        {
            throw new ArgumentException(
                $"Redaction rule name '{name}' is not usable: use letters, digits, '.', '_' and '-' only.",
                nameof(Name));
        }
        return name;
    }

    private static bool IsNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
