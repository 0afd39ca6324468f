namespace Runbooks.Hosts;

/// <summary>What every host does around running a command: turn a time-out into its exception, record the
/// command in the transcript whatever happened, then apply the command's validation.</summary>
internal static class CommandExecution
{
    /// <param name="commandOutlivesKill">True when killing the local process leaves the command running
    /// (over ssh); said in the time-out's message.</param>
    /// <param name="execute">Runs the command; throws <see cref="ChildProcess.TimedOutException"/> on time-out.</param>
    public static async Task<CommandResult> RunAsync(
        string hostName,
        HostCommand command,
        Transcript? transcript,
        bool commandOutlivesKill,
        Func<CancellationToken, Task<ChildProcess.Outcome>> execute,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var startedAt = DateTimeOffset.Now;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ChildProcess.Outcome outcome;
        try
        {
            outcome = await execute(cancellationToken).ConfigureAwait(false);
        }
        catch (ChildProcess.TimedOutException timedOut)
        {
            var error = new HostCommandTimeoutException(hostName, command, timedOut.Timeout, stoppedOnHost: false,
                mayStillRunOnHost: commandOutlivesKill && command.RemoteTimeout is null, timedOut.StandardOutput, timedOut.StandardError);
            transcript?.RecordFailure(hostName, command, startedAt, clock.Elapsed, error, timedOut.StandardOutput, timedOut.StandardError);
            throw error;
        }
        catch (Exception error) when (error is HostException or OperationCanceledException)
        {
            transcript?.RecordFailure(hostName, command, startedAt, clock.Elapsed, error, "", "");
            throw;
        }

        var result = new CommandResult(hostName, command.CommandLine, outcome.ExitCode, outcome.StandardOutput,
            outcome.StandardError, outcome.StartedAt, outcome.Duration);
        transcript?.Record(command, result);
        if (command.Validation == CommandValidation.ZeroExitCode && !result.Succeeded)
        {
            if (command.IsRemoteTimeoutExit(result.ExitCode))
            {
                throw new HostCommandTimeoutException(hostName, command, command.RemoteTimeout!.Value, stoppedOnHost: true,
                    mayStillRunOnHost: false, result.StandardOutput, result.StandardError);
            }
            throw new HostCommandException(result, command.Description);
        }
        return result;
    }

    /// <summary>Around an upload: the local file checked, the copy recorded in the transcript whatever happened.</summary>
    public static async Task UploadAsync(string hostName, string localFile, string remotePath, Transcript? transcript,
        Func<CancellationToken, Task> upload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        if (!File.Exists(localFile))
            throw new FileNotFoundException($"cannot copy {localFile} to {hostName}: there is no such file here", localFile);
        var bytes = new FileInfo(localFile).Length;
        var startedAt = DateTimeOffset.Now;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await upload(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is HostException or OperationCanceledException)
        {
            transcript?.RecordUpload(hostName, localFile, remotePath, bytes, startedAt, clock.Elapsed, error);
            throw;
        }
        transcript?.RecordUpload(hostName, localFile, remotePath, bytes, startedAt, clock.Elapsed, null);
    }
}
