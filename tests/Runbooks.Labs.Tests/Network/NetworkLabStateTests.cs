using Runbooks.Labs.Network;

namespace Runbooks.Labs.Tests.Network;

/// <summary>lab.json as the build script writes it, and machine names, without building anything.</summary>
public sealed class NetworkLabStateTests
{
    private const string LabJson = """
        {
          "lab": "network",
          "builtAt": "2026-11-22T03:43:54.180Z",
          "bridge": "rb-6pn",
          "hostAddress": "fdaa:0:1:a7b::1",
          "identityFile": "/root/.cache/runbook/lab/network/id_ed25519",
          "knownHostsFile": "/run/runbook-lab/network/known_hosts",
          "machines": [
            { "name": "wg-server", "role": "server", "address6pn": "fdaa:0:1:a7b::2", "eth0Ipv4": "198.51.100.2", "holderPid": 21973, "sshdPid": 22064 },
            { "name": "wg-client", "role": "client", "address6pn": "fdaa:0:1:a7b::3", "eth0Ipv4": "198.51.100.3", "holderPid": 21978, "sshdPid": 22108 }
          ]
        }
        """;

    [Fact]
    public void Parse_ReadsWhatTheBuildScriptWrites()
    {
        var state = NetworkLabState.Parse(LabJson, "lab.json");

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 3, 43, 54, 180, TimeSpan.Zero), state.BuiltAt);
        Assert.Equal(new NetworkLabMachine("wg-server", NetworkMachineRole.Server, "fdaa:0:1:a7b::2", "198.51.100.2", 21973, 22064), state.Server);
        Assert.Equal(new NetworkLabMachine("wg-client", NetworkMachineRole.Client, "fdaa:0:1:a7b::3", "198.51.100.3", 21978, 22108), state.Client);
        Assert.Equal(state.Client, state.Machine("client"));
        Assert.Equal(state.Server, state.Machine("WG-SERVER"));
    }

    [Fact]
    public void ToJson_RoundTrips()
    {
        var state = NetworkLabState.Parse(LabJson, "lab.json");

        var again = NetworkLabState.Parse(state.ToJson(), "again");

        Assert.Equal(state.Machines, again.Machines);
        Assert.Equal((state.BuiltAt, state.IdentityFile), (again.BuiltAt, again.IdentityFile));
        Assert.Contains("\"role\": \"server\"", state.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{ "lab": "storage", "machines": [] }""")]
    [InlineData("""{ "lab": "network", "builtAt": "2026-11-22T03:43:54Z", "bridge": "rb-6pn", "hostAddress": "x", "identityFile": "k", "knownHostsFile": "h", "machines": [ { "name": "wg-server", "role": "server", "address6pn": "a", "eth0Ipv4": "b", "holderPid": 1, "sshdPid": 2 } ] }""")]
    public void Parse_RejectsAFileThatIsNotAWholeNetworkLabJson_SayingHowToCleanUp(string json)
    {
        var error = Assert.Throws<LabException>(() => NetworkLabState.Parse(json, "/run/runbook-lab/network/lab.json"));

        Assert.StartsWith("/run/runbook-lab/network/lab.json ", error.Message, StringComparison.Ordinal);
        Assert.Contains("`runbook lab down network`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ReturnsNull_WhenThereIsNoFile()
    {
        Assert.Null(NetworkLabState.Read("/nonexistent/runbook-lab/lab.json"));
    }

    [Theory]
    [InlineData("server", "wg-server")]
    [InlineData("wg-server", "wg-server")]
    [InlineData("client", "wg-client")]
    [InlineData(" Wg-Client ", "wg-client")]
    public void ResolveMachineName_AcceptsShortAndHostNames(string given, string expected)
    {
        Assert.Equal(expected, NetworkLab.ResolveMachineName(given));
    }

    [Theory]
    [InlineData("clinet", "; did you mean \"client\"?")]
    [InlineData("database", ".")]
    public void ResolveMachineName_RejectsOthers_ListingTheValidNames(string given, string ending)
    {
        var error = Assert.Throws<LabInputException>(() => NetworkLab.ResolveMachineName(given));

        Assert.Equal($"the network lab has no machine '{given}'; use one of: server, client, wg-server, wg-client{ending}", error.Message);
    }

    [Fact]
    public void DefaultIdentityFile_IsUnderTheUsersCache()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetEnvironmentVariable("HOME")!, ".cache");

        Assert.Equal(Path.Combine(cache, "runbook", "lab", "network", "id_ed25519"), NetworkLab.DefaultIdentityFile());
    }
}
