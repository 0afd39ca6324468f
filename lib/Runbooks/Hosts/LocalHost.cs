namespace Runbooks.Hosts;

/// <summary>
/// This machine, for when the runbook runs on the box it debugs. Each command line runs in
/// <c>bash -c</c>, so commands behave as they do over ssh to a Debian host, whose root login shell is bash.
/// </summary>
public sealed class LocalHost(Transcript? transcript = null) : IHost
{
    // A remote-timeout wrapper starts "${SHELL:-/bin/sh}" (the login shell, over ssh); here that must be
    // the same bash that runs the line, whatever shell started this process.
    private static readonly IReadOnlyDictionary<string, string> s_environment = new Dictionary<string, string> { ["SHELL"] = "/bin/bash" };

    public string Name { get; } = Environment.MachineName;

    public Task<CommandResult> RunAsync(HostCommand command, CancellationToken cancellationToken = default) =>
        CommandExecution.RunAsync(Name, command, transcript, commandOutlivesKill: false,
            token => ChildProcess.RunAsync("bash", ["-c", command.CommandLine], command.StandardInput, command.Timeout, s_environment, token),
            cancellationToken);

    public Task UploadAsync(string localFile, string remotePath, CancellationToken cancellationToken = default) =>
        CommandExecution.UploadAsync(Name, localFile, remotePath, transcript, _ =>
        {
            try
            {
                File.Copy(localFile, remotePath, overwrite: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new HostException(Name, $"could not copy {localFile} to {remotePath}: {error.Message}", error);
            }
            return Task.CompletedTask;
        }, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
