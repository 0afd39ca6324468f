namespace Runbooks.Hosts;

/// <summary>A machine that runs <see cref="HostCommand"/>s: this one (<see cref="LocalHost"/>) or one reached
/// over ssh (<see cref="SshHost"/>). Safe to use from several tasks at once.</summary>
public interface IHost : IAsyncDisposable
{
    /// <summary>How transcripts and errors name the machine.</summary>
    string Name { get; }

    /// <summary>
    /// Runs the command and returns how it ended.
    /// </summary>
    /// <exception cref="HostCommandException">Non-zero exit under <see cref="CommandValidation.ZeroExitCode"/>.</exception>
    /// <exception cref="HostCommandTimeoutException">It ran past its timeout.</exception>
    /// <exception cref="HostConnectionException">The host could not be reached or the connection broke.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the local process tree was killed.</exception>
    Task<CommandResult> RunAsync(HostCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies a local file to <paramref name="remotePath"/> on the host, replacing what is there (mode 0600 for a new
    /// file: set the mode with a command). Over SSH it goes through SFTP, byte for byte, whatever its size; the
    /// transcript records the copy (its size, not its content).
    /// </summary>
    /// <exception cref="HostException">The copy failed (no such folder, no space, no SFTP server); the message says why.</exception>
    /// <exception cref="HostConnectionException">The host could not be reached or the connection broke.</exception>
    Task UploadAsync(string localFile, string remotePath, CancellationToken cancellationToken = default);
}
