using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Runbooks.Hosts;

namespace Runbooks.Capture;

/// <summary>One command of a sectioned capture script.</summary>
/// <param name="Name">The section's name in the output; also how problems name it.</param>
/// <param name="Tool">Checked with <c>command -v</c> first, so a missing tool is exit 127 with a clear message; "" for a
/// shell function of the script that needs no tool of its own.</param>
/// <param name="Shell">The shell words that print the section.</param>
/// <param name="Display">How problems show the command when <paramref name="Shell"/> is a helper function.</param>
/// <param name="Then">Shell run after the section in the same job, for sections that depend on it (one more section
/// per config file found, say).</param>
internal sealed record CaptureSection(string Name, string Tool, string Shell, string? Display = null, string? Then = null)
{
    public string Command => Display ?? Shell;
}

/// <summary>One section as the output framed it: its stdout, stderr, exit code, and whether its end marker came.</summary>
internal sealed record RawSection(string Name, string Output, string Error, int ExitCode, bool Ended);

/// <summary>
/// The one-round-trip capture format of <see cref="NetworkCapture"/> and <c>StorageCapture</c>: a POSIX sh script
/// whose sections run at once into temporary files and are printed in order, each framed by marker lines carrying a
/// random token, with the capture's kind in the header (<c>runbooks-KIND-capture 1 TOKEN</c>).
/// </summary>
internal sealed class SectionedCapture
{
    private readonly string _prelude;
    private readonly Func<string, string?> _describe;

    /// <param name="kind">"storage": the header is <c>runbooks-storage-capture 1 TOKEN</c>.</param>
    /// <param name="helpers">Shell functions the sections call, defined after the shared prelude.</param>
    /// <param name="describe">How problems name the command of a section the script adds as it runs (not in <paramref name="sections"/>).</param>
    public SectionedCapture(string kind, ImmutableArray<CaptureSection> sections, string helpers, Func<string, string?>? describe = null)
    {
        _describe = describe ?? (_ => null);
        Kind = kind;
        Sections = sections;
        HeaderPrefix = $"runbooks-{kind}-capture 1 ";
        _prelude = Prelude + helpers;
    }

    public string Kind { get; }

    public ImmutableArray<CaptureSection> Sections { get; }

    public string HeaderPrefix { get; }

    private string Format => $"{Kind} capture";

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Run by /bin/sh whatever the login shell is, so the script only has to be POSIX sh.</summary>
    public static string CommandLine(string script) => "exec /bin/sh -c " + ShellQuote.Quote(script);

    public string Script(string token) => Script(token, Sections);

    public string Script(string token, IEnumerable<CaptureSection> sections)
    {
        var script = new StringBuilder(_prelude.Replace("@TOKEN@", token, StringComparison.Ordinal)
            .Replace("@KIND@", Kind, StringComparison.Ordinal));
        var jobs = sections.Select(s => $"rb {s.Name} {(s.Tool.Length == 0 ? "''" : s.Tool)} {s.Shell}\n{s.Then}").ToList();
        // At once, each into its own file, printed in order afterwards: most sections are one short process, so
        // waiting for them one by one would be most of the wall time. Without a writable temporary folder they run
        // one after the other, straight to the output.
        script.Append("rb_dir=$(mktemp -d 2>/dev/null) || rb_dir=\n");
        script.Append("if [ -n \"$rb_dir\" ]; then\n");
        for (var i = 0; i < jobs.Count; i++)
            script.Append("{\n").Append(jobs[i]).Append(CultureInfo.InvariantCulture, $"}} >\"$rb_dir/{i:00}\" &\n");
        script.Append("wait\ncat \"$rb_dir\"/[0-9][0-9]\nrm -rf \"$rb_dir\"\nelse\n");
        foreach (var job in jobs)
            script.Append(job);
        script.Append("fi\n");
        script.Append("printf '%s done\\n' \"$T\"\n");
        return script.ToString();
    }

    // POSIX sh only: no arrays, no pipefail, no [[ ]], no local. Every helper variable starts with rb_.
    private const string Prelude = """
        PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
        LC_ALL=C
        export PATH LC_ALL
        T=@TOKEN@
        rb_tab=$(printf '\t')
        printf 'runbooks-@KIND@-capture 1 %s\n' "$T"

        # rb_which TOOL: its path in PATH. Not "command -v": a busybox built with standalone applets (busybox-static)
        # runs its own, smaller losetup, df or ps for a bare name, whatever PATH says.
        rb_which() {
          rb_ifs=$IFS
          IFS=:
          for rb_d in $PATH; do
            if [ -f "$rb_d/$1" ] && [ -x "$rb_d/$1" ]; then IFS=$rb_ifs; printf '%s\n' "$rb_d/$1"; return 0; fi
          done
          IFS=$rb_ifs
          return 1
        }

        # rb NAME TOOL COMMAND...: stdout straight through, stderr kept and printed after it, then the exit code. A
        # COMMAND starting with TOOL runs TOOL by its path; a helper function finds that path in $rb_bin.
        rb() {
          rb_name=$1 rb_tool=$2 rb_bin=
          shift 2
          printf '%s begin %s\n' "$T" "$rb_name"
          if [ -n "$rb_tool" ] && ! rb_bin=$(rb_which "$rb_tool"); then
            rb_err="$rb_tool: command not found"
            rb_rc=127
          else
            if [ -n "$rb_bin" ] && [ "$1" = "$rb_tool" ]; then shift; set -- "$rb_bin" "$@"; fi
            { rb_err=$("$@" 2>&1 1>&3 3>&-); rb_rc=$?; } 3>&1 </dev/null
          fi
          printf '\n%s stderr %s\n%s\n%s end %s %s\n' "$T" "$rb_name" "$rb_err" "$T" "$rb_rc" "$rb_name"
        }

        """;

    // ---- the output ----------------------------------------------------------------------------------------------

    public int FindHeader(string output) => FindLineStart(output, HeaderPrefix, 0);

    public (List<RawSection> Sections, bool Done) Split(string output)
    {
        var header = FindHeader(output);
        if (header < 0)
            throw new CaptureFormatException(Format, "line 1",
                $"no \"{HeaderPrefix}TOKEN\" line; expected the whole standard output of the {Kind} capture script, which starts with it");
        var headerEnd = output.IndexOf('\n', header);
        var token = (headerEnd < 0 ? output[header..] : output[header..headerEnd])[HeaderPrefix.Length..].Trim();
        if (token.Length < 16 || !token.All(char.IsAsciiHexDigit))
            throw new CaptureFormatException(Format, LineOf(output, header), $"the token \"{Cut(token, 40)}\" is not the 32 hex digits the script prints");

        var sections = new List<RawSection>();
        var prefix = token + " ";
        string? open = null;
        var kind = "";
        var contentStart = headerEnd < 0 ? output.Length : headerEnd + 1;
        var stdout = "";
        var done = false;
        var position = contentStart;
        while (true)
        {
            var marker = FindLineStart(output, prefix, position);
            if (marker < 0)
                break;
            var lineEnd = output.IndexOf('\n', marker);
            var line = lineEnd < 0 ? output[marker..] : output[marker..lineEnd];
            var words = line[prefix.Length..].Split(' ', 2);
            // The script prints a newline before every stderr and end marker; it is not part of the content.
            var content = output[contentStart..marker];
            if (content.EndsWith('\n') && words[0] is "stderr" or "end")
                content = content[..^1];
            switch (words[0])
            {
                case "begin" when open is null && words.Length == 2:
                    open = words[1];
                    kind = "begin";
                    break;
                case "stderr" when open is not null && kind == "begin" && words.Length == 2 && words[1] == open:
                    stdout = content;
                    kind = "stderr";
                    break;
                case "end" when open is not null && kind == "stderr" && words.Length == 2
                                && words[1].Split(' ', 2) is [var code, var name] && name == open
                                && int.TryParse(code, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exitCode):
                    sections.Add(new RawSection(open, stdout, content, exitCode, Ended: true));
                    open = null;
                    kind = "";
                    break;
                case "done" when open is null:
                    done = true;
                    break;
                default:
                    throw new CaptureFormatException(Format, LineOf(output, marker),
                        $"marker \"{Cut(line[prefix.Length..], 80)}\" out of order; expected {(open is null ? "\"begin NAME\" or \"done\"" : kind == "begin" ? $"\"stderr {open}\"" : $"\"end CODE {open}\"")}");
            }
            if (lineEnd < 0 || done)
                break;
            position = contentStart = lineEnd + 1;
        }
        // A capture cut short (remote timeout, lost connection) ends inside a section: keep what it printed.
        if (open is not null)
            sections.Add(new RawSection(open, kind == "begin" ? output[contentStart..] : stdout, kind == "stderr" ? output[contentStart..] : "", CaptureProblem.NoExitCode, Ended: false));
        return (sections, done);
    }

    /// <summary>Refuses output in which the script never ran; otherwise the problem of a capture that did not finish, if any.</summary>
    public CaptureProblem? Check(CommandResult result, TimeSpan remoteTimeout)
    {
        if (FindHeader(result.StandardOutput) < 0)
        {
            var said = result.StandardError.Trim() is { Length: > 0 } error ? $" Its shell said: {Cut(error, 400)}" : "";
            throw new CaptureFormatException(Format, "line 1",
                $"the capture script printed no header (exit code {result.ExitCode}), so it did not run.{said} "
                + "Check that the host has /bin/sh and that the login shell can start it.");
        }
        if (Split(result.StandardOutput).Done)
            return null;
        var why = result.ExitCode is 124 or 137
            ? $"the host stopped it after {HostCommand.WholeSeconds(remoteTimeout)} s (remote timeout)"
            : $"it exited with code {result.ExitCode}{(result.StandardError.Trim() is { Length: > 0 } e ? ": " + Cut(e, 400) : "")}";
        return new CaptureProblem("capture", $"{Kind} capture script", result.ExitCode,
            $"The capture did not finish: {why}. The sections it did not reach are missing from the snapshot.");
    }

    public string CommandOf(string section) => Sections.FirstOrDefault(s => s.Name == section)?.Command ?? _describe(section) ?? section;

    private static int FindLineStart(string output, string prefix, int from)
    {
        for (var at = output.IndexOf(prefix, from, StringComparison.Ordinal); at >= 0; at = output.IndexOf(prefix, at + 1, StringComparison.Ordinal))
        {
            if (at == 0 || output[at - 1] == '\n')
                return at;
        }
        return -1;
    }

    private static string LineOf(string output, int index) => $"line {output.AsSpan(0, index).Count('\n') + 1}";

    internal static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 3), "...");
}

/// <summary>The sections of one capture, and the problems found while reading them: a failed section, one missing,
/// one cut off, or output its parser refused, each becomes a <see cref="CaptureProblem"/> and a fallback value.</summary>
internal sealed class CaptureSections(SectionedCapture capture, List<RawSection> raw, bool done)
{
    private readonly Dictionary<string, RawSection> _byName = raw.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public List<CaptureProblem> Problems { get; } = [];

    /// <summary>The stdout of a section every capture has; null (and a problem) when it failed or is missing.</summary>
    public string? Fixed(string name)
    {
        if (_byName.TryGetValue(name, out var section))
            return Usable(section);
        Problems.Add(new CaptureProblem(name, capture.CommandOf(name), CaptureProblem.NoExitCode, done
            ? "The section is missing from the capture output."
            : "The section is missing: the capture stopped before it."));
        return null;
    }

    public T Parse<T>(string name, Func<string, T> parse, T fallback) => Parse(name, Fixed(name), parse, fallback);

    /// <summary>A section the script added as it ran (one per file found, say), parsed like a fixed one.</summary>
    public T Parse<T>(RawSection section, Func<string, T> parse, T fallback) => Parse(section.Name, Usable(section), parse, fallback);

    private T Parse<T>(string name, string? text, Func<string, T> parse, T fallback)
    {
        if (text is null)
            return fallback;
        try
        {
            return parse(text);
        }
        catch (CaptureFormatException e)
        {
            Problems.Add(new CaptureProblem(name, capture.CommandOf(name), 0,
                $"The output could not be parsed, so this section is left out of the snapshot (the others are not affected): {e.Message}"));
            return fallback;
        }
    }

    // The section's stdout when it ran to the end with exit code 0; otherwise a problem and null.
    private string? Usable(RawSection section)
    {
        var command = capture.CommandOf(section.Name);
        if (!section.Ended)
        {
            Problems.Add(new CaptureProblem(section.Name, command, CaptureProblem.NoExitCode,
                $"The capture was cut off while `{command}` ran; its output is left out."));
            return null;
        }
        if (section.ExitCode == 0)
            return section.Output;
        var said = section.Error.Trim();
        Problems.Add(new CaptureProblem(section.Name, command, section.ExitCode, section.ExitCode == 127
            ? $"{(said.Length > 0 ? said : command + ": command not found")} (exit 127): install it on the machine to capture this section."
            : said.Length > 0 ? $"{SectionedCapture.Cut(said, 2000)} (exit {section.ExitCode})" : $"exited with code {section.ExitCode} and printed nothing on stderr"));
        return null;
    }
}
