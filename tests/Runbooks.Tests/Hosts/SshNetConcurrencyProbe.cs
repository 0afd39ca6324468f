using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>
/// Commands that count, on the server, how many of them run at once, and record each run, for tests of how many
/// channels SSH.NET uses. Counting on the server sees what the client cannot: a command run twice, or one still
/// running there after the client gave up on it.
/// </summary>
internal sealed class SshNetConcurrencyProbe(TempFolder scratch, int expected)
{
    private readonly string _running = scratch.Combine("probe-running");
    private readonly string _most = scratch.Combine("probe-most");
    private readonly string _runs = scratch.Combine("probe-runs");
    private readonly string _lock = scratch.Combine("probe.lock");

    /// <summary>
    /// Command <paramref name="index"/>: records its run, counts itself in, then holds its channel until
    /// <c>expected</c> commands have run at once (or a minute has passed), so that a limit below it is seen whatever
    /// the machine's load, and a moment longer, so that a limit above it is likely to be seen. Prints <c>$SSH_CLIENT</c>.
    /// </summary>
    public HostCommand Command(int index) => HostCommand.Shell(
        $"echo {index} >> {_runs}; "
        + $"flock {_lock} sh -c 'n=$(($(cat {_running} 2>/dev/null || echo 0)+1)); echo $n > {_running}; "
        + $"if [ $n -gt $(cat {_most} 2>/dev/null || echo 0) ]; then echo $n > {_most}.new; mv {_most}.new {_most}; fi'; "
        + $"w=0; while [ $(cat {_most}) -lt {expected} ] && [ $w -lt 1200 ]; do sleep 0.05; w=$((w+1)); done; sleep 0.2; "
        + $"flock {_lock} sh -c 'echo $(($(cat {_running})-1)) > {_running}'; echo $SSH_CLIENT");

    /// <summary>The most commands that ran at once.</summary>
    public int Most => int.Parse(File.ReadAllText(_most).Trim());

    /// <summary>The indexes of the commands that ran, once per run, in order.</summary>
    public IReadOnlyList<int> Runs => [.. File.ReadAllLines(_runs).Select(int.Parse).Order()];

    /// <summary>The client's port in a command's <c>$SSH_CLIENT</c> (address, client port, server port): one per connection.</summary>
    public static string ClientPort(CommandResult result) => result.StandardOutput.Trim().Split(' ')[1];
}
