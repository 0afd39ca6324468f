using System.Text.Json;

namespace Runbooks.Labs.Storage;

/// <summary>
/// A booted storage twin, read from <c>/run/runbook-lab/storage/lab.json</c> (written by the build script once the
/// guest's sshd and object service answer). Everything another program needs to reach the guest.
/// </summary>
/// <param name="BuiltAt">When this boot finished (the guest answered on both ports).</param>
/// <param name="ImageBuiltAt">When the cached base image was built.</param>
/// <param name="ImageFolder">The cached image this boot runs on (read-only: the guest writes to <paramref name="Overlay"/>).</param>
/// <param name="Overlay">This boot's throwaway qcow2 overlay; removed by <c>lab down</c>.</param>
/// <param name="SshPort">The loopback port forwarded to the guest's sshd (127.0.0.1).</param>
/// <param name="HttpPort">The loopback port forwarded to the guest's object service, port 8000 (127.0.0.1).</param>
/// <param name="QemuPid">The qemu process; the guest lives as long as it does.</param>
/// <param name="IdentityFile">The private key that logs in as root.</param>
/// <param name="KnownHostsFile">A known_hosts file with this boot's host key, as <c>[127.0.0.1]:port</c>.</param>
/// <param name="RemountDelaySeconds">How long after boot the hidden remounter (fault S1) starts keeping /data read-only.</param>
/// <param name="BootToSshSeconds">From starting qemu to the guest's SSH banner.</param>
/// <param name="BootToReadySeconds">From starting qemu to the object service answering (every fault planted).</param>
public sealed record StorageLabState(
    string Lab,
    DateTimeOffset BuiltAt,
    DateTimeOffset ImageBuiltAt,
    string ImageFolder,
    string Overlay,
    int SshPort,
    int HttpPort,
    int QemuPid,
    string QmpSocket,
    string ConsoleLog,
    string IdentityFile,
    string KnownHostsFile,
    int RemountDelaySeconds,
    double BootToSshSeconds,
    double BootToReadySeconds)
{
    /// <summary>The state in <paramref name="path"/>, or null when there is no such file (no lab is up).</summary>
    /// <exception cref="LabException">The file exists but is not a lab.json this code wrote.</exception>
    public static StorageLabState? Read(string path) => LabStateFile.Read<StorageLabState>(path, StorageLab.Name, Complete);

    internal static StorageLabState Parse(string json, string source) => LabStateFile.Parse<StorageLabState>(json, source, StorageLab.Name, Complete);

    private static bool Complete(StorageLabState state) =>
        state.Lab == StorageLab.Name && state.QemuPid > 0 && state.SshPort > 0 && state.HttpPort > 0
        && state.IdentityFile is not null && state.KnownHostsFile is not null && state.ImageFolder is not null && state.Overlay is not null
        && state.QmpSocket is not null && state.ConsoleLog is not null;

    public string ToJson() => JsonSerializer.Serialize(this, LabStateFile.Json);

    /// <summary>How to reach the guest over ssh: root on the forwarded port, with the lab's key and this boot's host key.</summary>
    public Runbooks.Hosts.SshTarget SshTarget(string role = "storage") =>
        Runbooks.Hosts.SshTargets.Create(role, "127.0.0.1", "root", SshPort, IdentityFile, KnownHostsFile, "accept-new");
}

/// <summary>The storage twin right now.</summary>
/// <param name="Up">lab.json exists and its qemu runs.</param>
/// <param name="BuiltAt">When the running guest was booted; null when there is no lab.json.</param>
/// <param name="QemuPid">Null when there is no lab.json.</param>
/// <param name="SshAnswers">The guest's sshd sends its banner on the forwarded port.</param>
/// <param name="HttpAnswers">The guest's object service answers HTTP on the forwarded port.</param>
public sealed record StorageLabStatus(bool Up, DateTimeOffset? BuiltAt, int? QemuPid, int? SshPort, int? HttpPort, bool QemuAlive, bool SshAnswers, bool HttpAnswers)
{
    public static StorageLabStatus Down { get; } = new(false, null, null, null, null, false, false, false);
}
