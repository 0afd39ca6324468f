using System.Collections.Immutable;
using System.Diagnostics;
using Runbooks.Hosts;

namespace Runbooks.Checks;

/// <summary>
/// Applies a plan the way Ansible runs a play: each step only if its precondition holds on freshly captured
/// state, verified on state captured again after it; the first failure stops the plan, so nothing runs on top
/// of a change that did not take. In check mode nothing runs at all: each step reports whether it would change.
/// </summary>
public static class PlanRunner
{
    /// <param name="hosts">Each step's <see cref="FixStep{TState}.Host"/> names one of these.</param>
    /// <param name="state">The state the plan was made from, freshly captured: the first precondition reads it.</param>
    /// <param name="capture">Captures the state the preconditions and verifications read.</param>
    /// <param name="progress">Told of each step as it ends, for live output.</param>
    /// <returns>The report, and the state as last captured (after the last change).</returns>
    public static async Task<(FixReport Report, TState State)> RunAsync<TState>(
        IReadOnlyList<FixStep<TState>> steps,
        IReadOnlyDictionary<string, IHost> hosts,
        TState state,
        Func<CancellationToken, Task<TState>> capture,
        bool checkMode,
        Action<StepResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        foreach (var step in steps)
            if (!hosts.ContainsKey(step.Host))
                throw new ArgumentException($"step {step.Id} runs on \"{step.Host}\", which is not one of the hosts given ({string.Join(", ", hosts.Keys)})", nameof(steps));

        var results = ImmutableArray.CreateBuilder<StepResult>(steps.Count);
        var failed = false;
        foreach (var step in steps)
        {
            var stopwatch = Stopwatch.StartNew();
            StepResult Result(StepStatus status, string? error = null) =>
                new(step.Id, step.Host, step.Title, step.Why, status, [.. Uploads(step).Select(u => u.Description), .. step.Commands.Select(c => c.Description ?? c.CommandLine)], error, stopwatch.Elapsed, step.Diff) { Clears = step.Clears };

            StepResult result;
            if (failed)
                result = Result(StepStatus.Skipped, "an earlier step failed");
            else if (!step.Precondition(state))
                result = Result(StepStatus.Ok);
            else if (checkMode)
                result = Result(StepStatus.WouldChange);
            else
            {
                result = await ApplyAsync(step, hosts[step.Host], Result, cancellationToken).ConfigureAwait(false);
                if (result.Status != StepStatus.Failed)
                {
                    state = await capture(cancellationToken).ConfigureAwait(false);
                    if (!step.Verification(state))
                        result = Result(StepStatus.Failed, $"the commands ran, but the verification did not hold: {step.VerificationText}");
                }
                failed = result.Status == StepStatus.Failed;
            }
            results.Add(result);
            progress?.Invoke(result);
        }
        return (new FixReport(checkMode, results.ToImmutable()), state);
    }

    private static ImmutableArray<StepUpload> Uploads<TState>(FixStep<TState> step) => step.Uploads.IsDefault ? [] : step.Uploads;

    private static async Task<StepResult> ApplyAsync<TState>(FixStep<TState> step, IHost host, Func<StepStatus, string?, StepResult> result, CancellationToken cancellationToken)
    {
        foreach (var upload in Uploads(step))
        {
            try
            {
                await host.UploadAsync(upload.LocalFile, upload.RemotePath, cancellationToken).ConfigureAwait(false);
            }
            catch (HostException e)
            {
                return result(StepStatus.Failed, e.Message);
            }
        }
        foreach (var command in step.Commands)
        {
            try
            {
                await host.RunAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (HostException e)
            {
                return result(StepStatus.Failed, e.Message);
            }
        }
        return result(StepStatus.Changed, null);
    }
}
