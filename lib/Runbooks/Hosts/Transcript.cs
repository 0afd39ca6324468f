using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using Runbooks.Redaction;

namespace Runbooks.Hosts;

/// <summary>One command as a transcript holds it. Every text is redacted; the standard input is never kept.</summary>
/// <param name="HostName">The <see cref="IHost.Name"/> it ran on.</param>
/// <param name="Description">The command's <see cref="HostCommand.Description"/>, if it had one.</param>
/// <param name="CommandLine">The line sent to the host, redacted.</param>
/// <param name="StartedAt">When it started (local clock).</param>
/// <param name="Duration">How long it took, or ran until it was stopped.</param>
/// <param name="ExitCode">Null when the command never exited on its own: timed out, cancelled, host not reached.</param>
/// <param name="StandardOutput">Redacted; for a command that was stopped, what it wrote until then.</param>
/// <param name="StandardError">Redacted.</param>
/// <param name="StandardInputLength">How many characters were sent on standard input (often a secret, so the text is not kept).</param>
/// <param name="Error">Why there is no exit code (the exception's type and message, redacted); null otherwise.</param>
public sealed record TranscriptEntry(
    string HostName,
    string? Description,
    string CommandLine,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    int? ExitCode,
    string StandardOutput,
    string StandardError,
    int StandardInputLength,
    string? Error);

/// <summary>
/// Every command run through the hosts given this transcript, in the order they finished, with outputs
/// redacted so the record can be published with the executed notebook. Thread-safe and append-only.
/// </summary>
public sealed class Transcript
{
    /// <summary>Outputs longer than this are cut in <see cref="ToMarkdown"/>; <see cref="Entries"/> keeps them whole.</summary>
    public const int MaxOutputLinesInMarkdown = 200;

    private readonly Redactor _redactor;
    private ImmutableList<TranscriptEntry> _entries = [];

    /// <param name="redactor">Default: <see cref="Redactor.Default"/>. Pass one with the catalogue's extra patterns to cover those too.</param>
    public Transcript(Redactor? redactor = null) => _redactor = redactor ?? Redactor.Default;

    /// <summary>A snapshot: entries added later do not appear in it.</summary>
    public IReadOnlyList<TranscriptEntry> Entries => _entries;

    internal void Record(HostCommand command, CommandResult result) => Add(new TranscriptEntry(
        result.HostName, command.Description, _redactor.Redact(result.CommandLine), result.StartedAt, result.Duration,
        result.ExitCode, _redactor.Redact(result.StandardOutput), _redactor.Redact(result.StandardError),
        command.StandardInput?.Length ?? 0, null));

    internal void RecordFailure(string hostName, HostCommand command, DateTimeOffset startedAt, TimeSpan duration,
        Exception error, string partialStandardOutput, string partialStandardError) => Add(new TranscriptEntry(
        hostName, command.Description, _redactor.Redact(command.CommandLine), startedAt, duration, null,
        _redactor.Redact(partialStandardOutput), _redactor.Redact(partialStandardError),
        command.StandardInput?.Length ?? 0, _redactor.Redact($"{error.GetType().Name}: {error.Message}")));

    internal void RecordUpload(string hostName, string localFile, string remotePath, long bytes, DateTimeOffset startedAt, TimeSpan duration, Exception? error) =>
        Add(new TranscriptEntry(hostName, $"copy {Path.GetFileName(localFile)} ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)",
            _redactor.Redact($"sftp put {remotePath}"), startedAt, duration, error is null ? 0 : null, "", "", 0,
            error is null ? null : _redactor.Redact($"{error.GetType().Name}: {error.Message}")));

    private void Add(TranscriptEntry entry) => ImmutableInterlocked.Update(ref _entries, static (list, item) => list.Add(item), entry);

    /// <summary>
    /// A table with one row per command (host, what ran, exit code, duration), then errors in full, then
    /// each output in a collapsed block. Show it in a cell with <c>display(transcript.ToMarkdown(), "text/markdown")</c>.
    /// </summary>
    /// <summary>Command lines longer than this are cut in the markdown table (a capture script is kilobytes); <see cref="Entries"/> keeps them whole.</summary>
    public const int MaxCommandLineInMarkdown = 300;

    private static string Shortened(string commandLine) =>
        commandLine.Length <= MaxCommandLineInMarkdown ? commandLine
        : $"{commandLine[..MaxCommandLineInMarkdown]}… ({commandLine.Length - MaxCommandLineInMarkdown} more characters)";

    public string ToMarkdown()
    {
        var entries = _entries;
        if (entries.IsEmpty)
            return "_No commands were run._\n";
        var markdown = new StringBuilder();
        markdown.Append("| # | host | command | exit | time | started |\n|---:|---|---|---:|---:|---|\n");
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var command = $"<code>{TableText(Shortened(entry.CommandLine))}</code>";
            if (entry.Description is not null)
                command = $"{TableText(entry.Description)}: {command}";
            if (entry.StandardInputLength > 0)
                command += $" (stdin: {entry.StandardInputLength} chars)";
            var exit = entry.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "**error**";
            markdown.Append(CultureInfo.InvariantCulture,
                $"| {i + 1} | {TableText(entry.HostName)} | {command} | {exit} | {FormatDuration(entry.Duration)} | {entry.StartedAt:HH:mm:ss} |\n");
        }
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Error is { } error)
                markdown.Append(CultureInfo.InvariantCulture, $"\n**#{i + 1} error:** {WebUtility.HtmlEncode(error)}\n");
        }
        for (var i = 0; i < entries.Count; i++)
        {
            AppendOutput(markdown, i + 1, entries[i], "stdout", entries[i].StandardOutput);
            AppendOutput(markdown, i + 1, entries[i], "stderr", entries[i].StandardError);
        }
        return markdown.ToString();
    }

    private static void AppendOutput(StringBuilder markdown, int number, TranscriptEntry entry, string stream, string text)
    {
        if (text.Length == 0)
            return;
        var lines = text.TrimEnd('\n').Split('\n');
        var shown = lines.Length > MaxOutputLinesInMarkdown ? lines[..MaxOutputLinesInMarkdown] : lines;
        var label = entry.Description ?? entry.CommandLine;
        if (label.Length > 60)
            label = label[..57] + "…";
        var lineCount = lines.Length == 1 ? "1 line" : $"{lines.Length} lines";
        var body = string.Join('\n', shown);
        var fence = Fence(body);
        markdown.Append(CultureInfo.InvariantCulture,
            $"\n<details><summary>#{number} {stream} ({lineCount}): {WebUtility.HtmlEncode(label.ReplaceLineEndings(" "))}</summary>\n\n{fence}text\n{body}\n{fence}\n");
        if (shown.Length < lines.Length)
            markdown.Append(CultureInfo.InvariantCulture, $"\n… {lines.Length - shown.Length} more lines, in Transcript.Entries[{number - 1}].\n");
        markdown.Append("\n</details>\n");
    }

    // A fence longer than any run of backticks inside, so output holding ``` cannot end the block early.
    private static string Fence(string body)
    {
        int longest = 0, run = 0;
        foreach (var character in body)
        {
            run = character == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return new string('`', Math.Max(3, longest + 1));
    }

    // Table cells hold one line and end at '|', even inside <code>.
    private static string TableText(string text) =>
        WebUtility.HtmlEncode(text).Replace("|", "&#124;", StringComparison.Ordinal).ReplaceLineEndings("<br>");

    private static string FormatDuration(TimeSpan duration) => duration.TotalSeconds < 1
        ? duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
