using System.Collections.Immutable;
using Runbooks.Hosts;

namespace Runbooks.Checks;

/// <summary>
/// One change of a fix plan: run on one host, only while its precondition holds on freshly captured state
/// (so a second run finds nothing to do), then verified on state captured again afterwards.
/// </summary>
/// <typeparam name="TState">The captured state the precondition and the verification read (a snapshot of both machines).</typeparam>
/// <param name="Id">Stable, kebab-case, unique in the plan.</param>
/// <param name="Host">The machine the commands run on.</param>
/// <param name="Title">What the step changes, in one line.</param>
/// <param name="Why">The finding(s) it fixes, in words, for the executed notebook.</param>
/// <param name="Precondition">True while the change is still needed.</param>
/// <param name="Commands">What it runs, in order; the first failure stops the step.</param>
/// <param name="Verification">True once the change took effect; <paramref name="VerificationText"/> says what it checks.</param>
/// <param name="Diff">For a file edit, the change as a unified diff, shown before it is applied.</param>
/// <param name="Uploads">Files copied to the host (<see cref="IHost.UploadAsync"/>) before the commands run.</param>
public sealed record FixStep<TState>(
    string Id,
    string Host,
    string Title,
    string Why,
    Func<TState, bool> Precondition,
    ImmutableArray<HostCommand> Commands,
    Func<TState, bool> Verification,
    string VerificationText,
    string? Diff = null,
    ImmutableArray<StepUpload> Uploads = default)
{
    /// <summary>The findings this step is meant to clear, by <see cref="OpenFinding.Key"/>: how a finding still open
    /// after the fix is traced to the step that should have cleared it.</summary>
    public ImmutableArray<string> Clears { get; init; } = [];
}

/// <summary>A local file a <see cref="FixStep{TState}"/> copies to its host before its commands.</summary>
/// <param name="Description">What the step's report shows for it.</param>
public sealed record StepUpload(string LocalFile, string RemotePath, string Description);

/// <summary>How a step ended, as Ansible reports a task.</summary>
public enum StepStatus
{
    /// <summary>Nothing to do: the precondition no longer held.</summary>
    Ok,
    /// <summary>Would change (check mode): nothing was run.</summary>
    WouldChange,
    /// <summary>Ran and verified.</summary>
    Changed,
    /// <summary>A command failed or the verification did not hold.</summary>
    Failed,
    /// <summary>Not tried, because an earlier step failed.</summary>
    Skipped,
}

/// <summary>The record of one step of an applied (or checked) plan.</summary>
public sealed record StepResult(
    string Id,
    string Host,
    string Title,
    string Why,
    StepStatus Status,
    ImmutableArray<string> Commands,
    string? Error,
    TimeSpan Duration,
    string? Diff = null)
{
    /// <summary>As <see cref="FixStep{TState}.Clears"/>.</summary>
    public ImmutableArray<string> Clears { get; init; } = [];
}

/// <summary>What applying or checking a plan did. <see cref="Changed"/> is the count tools compare to 0 for idempotence.</summary>
public sealed record FixReport(bool CheckMode, ImmutableArray<StepResult> Steps)
{
    public int Changed => Steps.Count(s => s.Status is StepStatus.Changed or StepStatus.WouldChange);

    public int Failed => Steps.Count(s => s.Status == StepStatus.Failed);

    public bool Succeeded => Failed == 0;
}
