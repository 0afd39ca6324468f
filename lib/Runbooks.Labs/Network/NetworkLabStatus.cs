namespace Runbooks.Labs.Network;

/// <summary>How one machine of the network twin is doing right now.</summary>
/// <param name="HolderAlive">Its namespaces' init still runs; when false the machine is gone altogether.</param>
/// <param name="SshdAlive">An sshd runs on it (whatever its PID: an engineer may have restarted it).</param>
/// <param name="Wg0Up">Interface wg0 exists and is up.</param>
/// <param name="HttpListening">Something listens on TCP port 8080 (only the server serves HTTP).</param>
public sealed record NetworkMachineStatus(
    string Name,
    NetworkMachineRole Role,
    string Address6pn,
    int HolderPid,
    bool HolderAlive,
    bool SshdAlive,
    bool Wg0Up,
    bool HttpListening);

/// <summary>The network twin right now: whether it is up, when it was built, and each machine's state.</summary>
/// <param name="Up">lab.json exists and both machines' holders run.</param>
/// <param name="BuiltAt">When the lab was built; null when there is no lab.json.</param>
/// <param name="Machines">Empty when there is no lab.json.</param>
public sealed record NetworkLabStatus(bool Up, DateTimeOffset? BuiltAt, IReadOnlyList<NetworkMachineStatus> Machines)
{
    public static NetworkLabStatus Down { get; } = new(false, null, []);
}
