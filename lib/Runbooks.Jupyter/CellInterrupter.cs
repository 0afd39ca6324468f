using System.Diagnostics;
using System.Globalization;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Jupyter;

/// <summary>How a cell ended: its error if any, whether an interrupt reached it, and whether it is stuck for good.</summary>
internal sealed record CellOutcome(KernelError? Error, bool Interrupted, bool Stuck);

/// <summary>
/// Interrupts the running cell as far as .NET allows: a thread cannot be aborted, but what a runbook cell waits on
/// is nearly always a process it started (ssh, a script), and stopping those ends the cell with an error while the
/// kernel and its variables stay. A cell that still runs after that (a CPU loop) is reported stuck: the kernel then
/// exits and the client restarts it.
/// </summary>
internal sealed class CellInterrupter
{
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(5);

    private volatile TaskCompletionSource? _interrupt;

    public async Task<CellOutcome> RunAsync(Func<Task<KernelError?>> cell)
    {
        var interrupt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _interrupt = interrupt;
        try
        {
            var running = Task.Run(cell);
            await Task.WhenAny(running, interrupt.Task).ConfigureAwait(false);
            if (!running.IsCompleted && await Task.WhenAny(running, Task.Delay(s_grace)).ConfigureAwait(false) != running)
                return new CellOutcome(null, true, true);
            // Interrupted whenever the interrupt came while the cell ran, even if stopping its processes ended it first.
            return new CellOutcome(await running.ConfigureAwait(false), interrupt.Task.IsCompleted, false);
        }
        finally
        {
            _interrupt = null;
        }
    }

    /// <summary>Stops every process the kernel started (and theirs); the running cell then sees them end.</summary>
    public void Interrupt()
    {
        if (_interrupt is not { } interrupt)
            return;
        interrupt.TrySetResult(); // before the processes go, so the cell that ends with them counts as interrupted
        foreach (var pid in ChildProcessIds(Environment.ProcessId))
        {
            try
            {
                using var child = Process.GetProcessById(pid);
                child.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // gone already
            }
        }
    }

    private static IEnumerable<int> ChildProcessIds(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid) && ppid == parent)
                yield return pid;
        }
    }
}
