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
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The state in <paramref name="path"/>, or null when there is no such file (no lab is up).</summary>
    /// <exception cref="LabException">The file exists but is not a lab.json this code wrote.</exception>
    public static StorageLabState? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        return Parse(text, path);
    }

    internal static StorageLabState Parse(string json, string source)
    {
        StorageLabState? state;
        try
        {
            state = JsonSerializer.Deserialize<StorageLabState>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new LabException($"{source} is not a valid lab.json ({e.Message}); `runbook lab down storage` removes what is left of that lab.", e);
        }
        // The build script writes every field; one missing means the file is not ours or was cut short.
        if (state is null || state.Lab != StorageLab.Name || state.QemuPid <= 0 || state.SshPort <= 0 || state.HttpPort <= 0
            || state.IdentityFile is null || state.KnownHostsFile is null || state.ImageFolder is null || state.Overlay is null
            || state.QmpSocket is null || state.ConsoleLog is null)
        {
            throw new LabException($"{source} does not describe a storage lab (fields missing or wrong); `runbook lab down storage` removes what is left of that lab.");
        }
        return state;
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);
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
