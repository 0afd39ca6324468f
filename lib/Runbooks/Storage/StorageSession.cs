using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage;

/// <summary>
/// The storage machine, connected: capture, diagnose and run its test, every command in one <see cref="Transcript"/>.
/// What the storage notebook and `runbook capture|diagnose storage` share.
/// </summary>
public sealed class StorageSession : IAsyncDisposable
{
    private static readonly string[] s_tools = ["lvm", "losetup", "findmnt", "df", "mount", "ps"];

    private StorageSession(IHost host, Transcript transcript, StorageSettings settings)
    {
        Host = host;
        Transcript = transcript;
        Settings = settings;
    }

    public IHost Host { get; }

    public Transcript Transcript { get; }

    public StorageSettings Settings { get; }

    /// <summary>Connects and checks the tools the runbook uses, so a machine without LVM fails here, by name, before anything changes.</summary>
    public static async Task<StorageSession> ConnectAsync(SshTarget target, StorageSettings? settings = null, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        transcript ??= new Transcript();
        var host = new SshHost(target, transcript);
        try
        {
            await host.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return await StartAsync(host, settings, transcript, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>As <see cref="ConnectAsync"/>, over a host already made (a LocalHost, a lab console).</summary>
    public static async Task<StorageSession> StartAsync(IHost host, StorageSettings? settings = null, Transcript? transcript = null, CancellationToken cancellationToken = default)
    {
        await RequiredTools.CheckAsync(host, host.Name, s_tools, t => t switch { "lvm" => "lvm2", "ps" => "procps", _ => "util-linux" }, cancellationToken).ConfigureAwait(false);
        return new StorageSession(host, transcript ?? new Transcript(), settings ?? new StorageSettings());
    }

    public Task<StorageSnapshot> CaptureAsync(CancellationToken cancellationToken = default) => StorageCapture.CaptureAsync(Host, cancellationToken);

    public async Task<(StorageSnapshot State, ImmutableArray<Finding> Findings)> DiagnoseAsync(CancellationToken cancellationToken = default)
    {
        var state = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        return (state, StorageChecks.Run(state, Settings));
    }

    /// <summary>Runs the challenge's test-storage.sh (validation off: its exit code is the verdict).</summary>
    public Task<CommandResult> RunTestStorageAsync(string arguments = "", string path = "/usr/local/bin/test-storage.sh", CancellationToken cancellationToken = default) =>
        Host.RunAsync(HostCommand.Shell($"{ShellQuote.Quote(path)} {arguments}".TrimEnd())
            .WithValidation(CommandValidation.None)
            .WithRemoteTimeout(TimeSpan.FromMinutes(10))
            .WithDescription("the challenge's test-storage.sh"), cancellationToken);

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
