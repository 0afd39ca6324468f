namespace Runbooks.Storage.Snapshot;

/// <summary>A file that was deleted while a process holds it open: its space is freed only when the last descriptor
/// closes, so df counts it and du does not.</summary>
/// <param name="Path">Where it was, without the " (deleted)" the kernel appends.</param>
/// <param name="Size">Apparent size; <see cref="AllocatedBytes"/> is what it holds on disk.</param>
public sealed record DeletedOpenFile(int Pid, string Command, int Descriptor, string Path, long Size, long AllocatedBytes);

/// <summary>A kernel message (<c>dmesg</c>).</summary>
/// <param name="SinceBoot">The timestamp, time since boot; null for a line without one.</param>
public sealed record KernelMessage(TimeSpan? SinceBoot, string Text);

/// <summary>A process (<c>ps -e -o pid,ppid,etimes,stat,args</c>).</summary>
/// <param name="CommandLine">Its arguments joined by spaces; "[name]" for a kernel thread.</param>
public sealed record ProcessEntry(int Pid, int ParentPid, long ElapsedSeconds, string State, string CommandLine);

/// <summary>A line of a script a running shell executes (<c>grep -n -H</c>: path, line number, text).</summary>
public sealed record ScriptLine(string Path, int Line, string Text);
