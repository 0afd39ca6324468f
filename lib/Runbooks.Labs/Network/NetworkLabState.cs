using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runbooks.Labs.Network;

/// <summary>What a machine of the network twin does in the challenge.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkMachineRole>))]
public enum NetworkMachineRole
{
    /// <summary>wg-server: serves HTTP on port 8080, the far end of the tunnel.</summary>
    [JsonStringEnumMemberName("server")]
    Server,

    /// <summary>wg-client: holds /usr/local/bin/test-connection.sh.</summary>
    [JsonStringEnumMemberName("client")]
    Client,
}

/// <summary>One machine of a built network twin, as lab.json records it.</summary>
/// <param name="Name">Its hostname: <c>wg-server</c> or <c>wg-client</c>.</param>
/// <param name="Address6pn">Its eth0 address on the 6pn fabric, where its sshd listens.</param>
/// <param name="Eth0Ipv4">The IPv4 address of its eth0 (reaches nothing: 6pn is IPv6-only).</param>
/// <param name="HolderPid">The init of its namespaces, as this host numbers it; the machine lives as long as this process.</param>
/// <param name="SshdPid">Its sshd when the lab was built, as this host numbers it.</param>
public sealed record NetworkLabMachine(string Name, NetworkMachineRole Role, string Address6pn, string Eth0Ipv4, int HolderPid, int SshdPid);

/// <summary>
/// A built network twin, read from <c>/run/runbook-lab/network/lab.json</c> (written by the build script at the
/// end of <c>lab up</c>). Everything another program needs to reach the machines: addresses, the login key and
/// the known_hosts file holding this build's host keys.
/// </summary>
/// <param name="BuiltAt">When the build finished.</param>
/// <param name="Bridge">The root-namespace bridge of the 6pn fabric (<c>rb-6pn</c>).</param>
/// <param name="HostAddress">This host's address on the bridge, from which it reaches the machines.</param>
/// <param name="IdentityFile">The private key that logs in as root on both machines.</param>
/// <param name="KnownHostsFile">A known_hosts file with both machines' host keys, by 6pn address.</param>
public sealed record NetworkLabState(
    string Lab,
    DateTimeOffset BuiltAt,
    string Bridge,
    string HostAddress,
    string IdentityFile,
    string KnownHostsFile,
    IReadOnlyList<NetworkLabMachine> Machines)
{
    public NetworkLabMachine Server => Machines.Single(m => m.Role == NetworkMachineRole.Server);

    public NetworkLabMachine Client => Machines.Single(m => m.Role == NetworkMachineRole.Client);

    /// <summary>The machine called <paramref name="name"/>: <c>server</c>, <c>client</c>, <c>wg-server</c> or <c>wg-client</c>.</summary>
    /// <exception cref="LabInputException">No machine has that name; the message lists the valid ones.</exception>
    public NetworkLabMachine Machine(string name)
    {
        var canonical = NetworkLab.ResolveMachineName(name);
        return Machines.Single(m => m.Name == canonical);
    }

    /// <summary>The state in <paramref name="path"/>, or null when there is no such file (no lab is up).</summary>
    /// <exception cref="LabException">The file exists but is not a lab.json this code wrote.</exception>
    public static NetworkLabState? Read(string path) => LabStateFile.Read<NetworkLabState>(path, NetworkLab.Name, Complete);

    internal static NetworkLabState Parse(string json, string source) => LabStateFile.Parse<NetworkLabState>(json, source, NetworkLab.Name, Complete);

    private static bool Complete(NetworkLabState state) =>
        state.Lab == NetworkLab.Name && state.Machines is not null && state.Machines.Count == NetworkLab.MachineNames.Count
        && state.IdentityFile is not null && state.KnownHostsFile is not null && state.Bridge is not null && state.HostAddress is not null
        && NetworkLab.MachineNames.All(name => state.Machines.Count(m => m?.Name == name && m.Address6pn is not null && m.HolderPid > 0) == 1);

    public string ToJson() => JsonSerializer.Serialize(this, LabStateFile.Json);
}
