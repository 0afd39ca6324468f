using System.Collections.Immutable;
using System.Globalization;

namespace Runbooks.Hosts;

/// <summary>What a host does with a command's exit code.</summary>
public enum CommandValidation
{
    /// <summary>Every exit code is a result; the caller looks at <see cref="CommandResult.ExitCode"/>.</summary>
    None,

    /// <summary>A non-zero exit code throws <see cref="HostCommandException"/>, which carries the result.</summary>
    ZeroExitCode,
}

/// <summary>
/// A command for an <see cref="IHost"/>: a shell command line or a program with arguments, and how to
/// run it. Immutable; every <c>WithX</c> returns a changed copy, so one command can be reused on many hosts.
/// </summary>
/// <remarks>
/// The host's shell receives <see cref="CommandLine"/>. For <see cref="Shell"/> that is the line as
/// written: pipes, globs and <c>$VARS</c> work, and quoting is the caller's job. For <see cref="Exec"/>
/// every argument is quoted with <see cref="ShellQuote"/>, so each arrives as one argument, whatever it holds.
/// </remarks>
public sealed class HostCommand
{
    // GNU and busybox timeout send TERM first; a command that ignores TERM gets KILL this much later.
    private const int RemoteKillGraceSeconds = 2;

    private readonly string? _shellLine;
    private readonly ImmutableArray<string> _arguments;

    private HostCommand(string? shellLine, ImmutableArray<string> arguments)
    {
        _shellLine = shellLine;
        _arguments = arguments;
    }

    private HostCommand(HostCommand original)
    {
        _shellLine = original._shellLine;
        _arguments = original._arguments;
        Timeout = original.Timeout;
        RemoteTimeout = original.RemoteTimeout;
        StandardInput = original.StandardInput;
        Validation = original.Validation;
        Description = original.Description;
    }

    /// <summary>A command line for the host's shell, such as <c>ip -j addr | head</c>.</summary>
    public static HostCommand Shell(string commandLine)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        return new HostCommand(commandLine, default);
    }

    /// <summary>A program and its arguments, each sent as exactly one shell word.</summary>
    public static HostCommand Exec(string program, params IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        var argv = ImmutableArray.Create(program).AddRange(arguments);
        foreach (var argument in argv)
        {
            ArgumentNullException.ThrowIfNull(argument, nameof(arguments));
            // Checked here, not when sending, so a bad argument fails where it was written.
            ShellQuote.Quote(argument);
        }
        return new HostCommand(null, argv);
    }

    /// <summary>The program and arguments of an <see cref="Exec"/> command; empty for a shell line.</summary>
    public IReadOnlyList<string> Arguments => _arguments.IsDefault ? [] : _arguments;

    /// <summary>The shell line of a <see cref="Shell"/> command; null for an argv.</summary>
    public string? ShellLine => _shellLine;

    /// <summary>How long the host waits before stopping the local process (the ssh client); null waits for ever.</summary>
    public TimeSpan? Timeout { get; private init; }

    /// <summary>Limit applied on the host itself by <c>timeout</c>; see <see cref="WithRemoteTimeout"/>.</summary>
    public TimeSpan? RemoteTimeout { get; private init; }

    /// <summary>Text written to the command's standard input, then closed. Null: the input is closed at once.</summary>
    public string? StandardInput { get; private init; }

    public CommandValidation Validation { get; private init; } = CommandValidation.ZeroExitCode;

    /// <summary>A label for people reading transcripts and errors, such as "WireGuard peers".</summary>
    public string? Description { get; private init; }

    /// <summary>The line the host's shell receives, with the remote timeout wrapper when there is one.</summary>
    public string CommandLine
    {
        get
        {
            var bare = _shellLine ?? ShellQuote.Join(_arguments);
            if (RemoteTimeout is not { } limit)
                return bare;
            var seconds = WholeSeconds(limit).ToString(CultureInfo.InvariantCulture);
            var prefix = $"timeout -k {RemoteKillGraceSeconds} {seconds} ";
            // An argv is a program timeout can start itself. A shell line needs a shell: the one sshd would
            // have used ($SHELL is the login shell there), so the line means the same with and without a limit.
            return _shellLine is null ? prefix + bare : prefix + "\"${SHELL:-/bin/sh}\" -c " + ShellQuote.Quote(_shellLine);
        }
    }

    /// <summary>After <paramref name="timeout"/> the local process tree is killed and
    /// <see cref="HostCommandTimeoutException"/> is thrown. Over ssh the remote command may keep running:
    /// add <see cref="WithRemoteTimeout"/> to have the host stop it.</summary>
    public HostCommand WithTimeout(TimeSpan timeout) => new(this) { Timeout = RequirePositive(timeout) };

    /// <summary>
    /// Runs the command under <c>timeout -k 2 N</c> on the host (coreutils or busybox), which stops it and
    /// everything it started after <paramref name="timeout"/> (rounded up to whole seconds), even when the
    /// connection is gone. A command stopped this way throws <see cref="HostCommandTimeoutException"/> under
    /// <see cref="CommandValidation.ZeroExitCode"/>, or returns exit code 124 (137 if it had to be killed) under
    /// <see cref="CommandValidation.None"/>.
    /// </summary>
    public HostCommand WithRemoteTimeout(TimeSpan timeout) => new(this) { RemoteTimeout = RequirePositive(timeout) };

    public HostCommand WithStandardInput(string standardInput) =>
        new(this) { StandardInput = standardInput ?? throw new ArgumentNullException(nameof(standardInput)) };

    public HostCommand WithValidation(CommandValidation validation) =>
        new(this) { Validation = Enum.IsDefined(validation) ? validation : throw new ArgumentOutOfRangeException(nameof(validation)) };

    public HostCommand WithDescription(string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        return new(this) { Description = description };
    }

    /// <summary>The description, or the command line when there is none. Never the standard input.</summary>
    public override string ToString() => Description ?? CommandLine;

    /// <summary>The exit code <c>timeout</c> ends with when it stopped the command (124) or had to kill it (137).</summary>
    internal bool IsRemoteTimeoutExit(int exitCode) => RemoteTimeout is not null && exitCode is 124 or 137;

    internal static int WholeSeconds(TimeSpan span) => (int)Math.Ceiling(span.TotalSeconds);

    private static TimeSpan RequirePositive(TimeSpan timeout) =>
        timeout > TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan
            ? timeout
            : throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A timeout must be positive.");
}
