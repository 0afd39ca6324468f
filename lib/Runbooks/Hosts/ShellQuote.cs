using System.Text;

namespace Runbooks.Hosts;

/// <summary>
/// POSIX shell quoting: the quoted word reads back, byte for byte, as the original string in sh,
/// bash, dash, busybox ash and zsh.
/// </summary>
/// <remarks>
/// Everything goes inside single quotes, where no character is special: not <c>$</c>, backticks,
/// backslashes, globs or newlines. A single quote cannot appear inside them, so it is closed, written
/// escaped and reopened: <c>'</c> becomes <c>'\''</c>. Even "safe" words are quoted, so the output does not
/// depend on a list of safe characters that could be incomplete.
/// </remarks>
public static class ShellQuote
{
    /// <summary>One shell word that stands for exactly <paramref name="value"/>; <c>''</c> for the empty string.</summary>
    /// <exception cref="ArgumentException">The value holds a NUL character, which no argument can carry.</exception>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0'))
        {
            // execve ends every argument at NUL; sending it would silently truncate the argument.
            throw new ArgumentException("A shell argument cannot contain a NUL character.", nameof(value));
        }
        var quoted = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var character in value)
        {
            if (character == '\'')
                quoted.Append(@"'\''");
            else
                quoted.Append(character);
        }
        return quoted.Append('\'').ToString();
    }

    /// <summary>The arguments as one command line: each one quoted, separated by spaces.</summary>
    public static string Join(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return string.Join(' ', arguments.Select(Quote));
    }
}
