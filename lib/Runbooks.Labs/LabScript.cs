using System.Diagnostics;
using Runbooks.Hosts;

namespace Runbooks.Labs;

/// <summary>
/// What every twin shares: a bash script embedded in this assembly that builds and removes it, run by root under the
/// lab's lock, with the tools it calls checked first; and the way its failures are told. Each lab keeps only what is
/// its own (what `up` passes, how its machines are entered, what its status probes).
/// </summary>
internal sealed class LabScript
{
    /// <summary>The folder of every lab's state; each lab's lock file sits here, outside its state folder, which
    /// `down` deletes: a lock file that vanished under a waiting process would let two processes in.</summary>
    public const string RunFolder = "/run/runbook-lab";

    private readonly string _lab;
    private readonly string _scriptName;
    private readonly IReadOnlyList<RequiredTool> _tools;
    private readonly string _whyRoot;
    private readonly Lazy<string> _text;
    private readonly LocalHost _host = new();

    /// <param name="lab">The lab's name, as `runbook lab up NAME` takes it.</param>
    /// <param name="folder">The lab's folder in this assembly (its namespace part), which holds NAME-lab.sh.</param>
    /// <param name="tools">What the script calls: checked before `up`, so a missing one is named with its package.</param>
    /// <param name="whyRoot">The end of "the NAME lab needs root: …": what it does that takes root.</param>
    public LabScript(string lab, string folder, IReadOnlyList<RequiredTool> tools, string whyRoot)
    {
        _lab = lab;
        _scriptName = $"{lab}-lab.sh";
        _tools = tools;
        _whyRoot = whyRoot;
        var resource = $"Runbooks.Labs.{folder}.{_scriptName}";
        _text = new(() =>
        {
            using var stream = typeof(LabScript).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"{_scriptName} is not embedded in Runbooks.Labs; the build of this assembly is broken.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        });
    }

    /// <summary>The script's text (for the storage lab, also the recipe its image cache is keyed on).</summary>
    public string Text => _text.Value;

    /// <summary>The host the labs' commands run on: this machine.</summary>
    public LocalHost Host => _host;

    /// <summary><c>${XDG_CACHE_HOME:-$HOME/.cache}/runbook/lab/NAME</c>: what a lab keeps between runs (its login key,
    /// the storage image), so an engineer's ssh config can point at the key for good.</summary>
    public static string CacheFolder(string lab)
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
        {
            var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            cache = Path.Combine(home, ".cache");
        }
        return Path.Combine(cache, "runbook", "lab", lab);
    }

    /// <summary>Keeps other processes from building or removing this lab until disposed.</summary>
    public async Task<IDisposable> LockAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await LabLock.AcquireAsync($"{RunFolder}/{_lab}.lock", timeout, cancellationToken).ConfigureAwait(false);

    /// <exception cref="LabPrerequisiteException">Not root, or a tool is missing.</exception>
    public void CheckPrerequisites()
    {
        CheckRoot();
        var missing = RequiredTool.FindMissing(_tools, Environment.GetEnvironmentVariable("PATH"));
        if (missing.Count > 0)
            throw new LabPrerequisiteException(RequiredTool.DescribeMissing($"the {_lab} lab", missing), missing);
    }

    /// <exception cref="LabPrerequisiteException">Not root.</exception>
    public void CheckRoot()
    {
        if (!Environment.IsPrivilegedProcess)
            throw new LabPrerequisiteException($"the {_lab} lab needs root: {_whyRoot} Run it as root (or with sudo).", []);
    }

    /// <summary>Runs the script with <paramref name="arguments"/>; every exit code is a result.</summary>
    /// <exception cref="HostCommandTimeoutException">It ran past <paramref name="timeout"/> and was killed.</exception>
    public Task<CommandResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var words = arguments.ToList();
        return _host.RunAsync(
            HostCommand.Exec("bash", ["-c", Text, _scriptName, .. words])
                .WithValidation(CommandValidation.None)
                .WithTimeout(timeout)
                .WithDescription($"{_scriptName} {string.Join(' ', words)}"),
            cancellationToken);
    }

    /// <summary>
    /// Runs the script's <c>down</c>, which kills the lab's processes it is given (only if they still are the lab's)
    /// and then looks for the rest by their markers, and removes what the lab made. The caller holds the lock.
    /// </summary>
    /// <exception cref="LabException">The script failed.</exception>
    public async Task DownAsync(IEnumerable<int> recordedPids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await RunAsync(["down", .. recordedPids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))], timeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new LabException($"could not remove the {_lab} lab (exit code {result.ExitCode}): {Tail(result.StandardError)}");
    }

    /// <summary>
    /// The state a lab's lab.json records, for a command that needs the lab up.
    /// </summary>
    /// <param name="read">Reads lab.json: null when there is none; <see cref="LabException"/> when it is unreadable.</param>
    /// <param name="startVerb">"build" or "boot": what `runbook lab up` does to this lab, for the message.</param>
    /// <exception cref="LabNotUpException">No lab.json, or an unreadable one.</exception>
    public T ReadUp<T>(Func<T?> read, string startVerb) where T : class
    {
        T? state;
        try
        {
            state = read();
        }
        catch (LabException e)
        {
            throw new LabNotUpException($"the {_lab} lab is not up ({e.Message}). Run `runbook lab up {_lab}` to {startVerb} it.");
        }
        return state ?? throw new LabNotUpException($"the {_lab} lab is not up. Run `runbook lab up {_lab}` to {startVerb} it.");
    }

    /// <summary>lab.json's state for status: null when there is none or it is unreadable (the lab counts as down).</summary>
    public static T? ReadOrNull<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (LabException)
        {
            return null;
        }
    }

    /// <summary>The pids a lab.json recorded, for `down`; none when it is missing or unreadable, which is what a crash
    /// can leave: the script's marker search finds the processes then.</summary>
    public static IEnumerable<int> RecordedPids<T>(Func<T?> read, Func<T, IEnumerable<int>> pids) where T : class =>
        ReadOrNull(read) is { } state ? [.. pids(state)] : [];

    /// <summary>
    /// Starts <paramref name="start"/> on this process's terminal and waits for it; cancelling kills it and its children.
    /// Returns its exit code.
    /// </summary>
    public static async Task<int> RunAttachedAsync(ProcessStartInfo start, string package, CancellationToken cancellationToken)
    {
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new LabException($"could not start {start.FileName} (package {package}).");
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return process.ExitCode;
    }

    /// <summary>The last lines of a script's standard error, on one line, for a message.</summary>
    public static string Tail(string text)
    {
        var lines = text.TrimEnd().Split('\n');
        var tail = string.Join(' ', lines.Skip(Math.Max(0, lines.Length - 5)).Select(l => l.Trim())).Trim();
        return tail.Length == 0 ? "the script wrote nothing to stderr." : tail;
    }
}
