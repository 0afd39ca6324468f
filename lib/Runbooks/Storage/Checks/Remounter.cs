using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage.Checks;

/// <summary>Something that remounts filesystems while the machine runs (<see cref="StorageChecks.Remounters"/>).</summary>
/// <param name="Script">The script that remounts, when it is one; null for a boot line or a command line that does it itself.</param>
/// <param name="Processes">The processes running it now.</param>
/// <param name="RemountLines">Its lines that remount.</param>
/// <param name="BootLines">The boot or cron lines that start it (or that remount, for a line that does it itself).</param>
public sealed record Remounter(string? Script, ImmutableArray<ProcessEntry> Processes, ImmutableArray<ScriptLine> RemountLines, ImmutableArray<ScriptLine> BootLines);
