using Runbooks.Hosts;
using Runbooks.Labs.Storage;

namespace Runbooks.Labs.Tests.Storage;

/// <summary>lab.json as the script writes it, and what is not one.</summary>
public sealed class StorageLabStateTests
{
    private const string Written = """
        {
          "lab": "storage",
          "builtAt": "2026-11-22T04:43:30.255Z",
          "imageBuiltAt": "2026-11-22T04:42:55Z",
          "imageFolder": "/root/.cache/runbook/lab/storage/962541b129250bd5",
          "overlay": "/root/.cache/runbook/lab/storage/run/overlay.qcow2",
          "sshPort": 10022,
          "httpPort": 18000,
          "qemuPid": 198144,
          "qmpSocket": "/run/runbook-lab/storage/qmp.sock",
          "consoleLog": "/run/runbook-lab/storage/console.log",
          "identityFile": "/root/.cache/runbook/lab/storage/id_ed25519",
          "knownHostsFile": "/run/runbook-lab/storage/known_hosts",
          "remountDelaySeconds": 48,
          "bootToSshSeconds": 7.147,
          "bootToReadySeconds": 8.583
        }
        """;

    [Fact]
    public void Parse_ReadsWhatTheScriptWrites()
    {
        var state = StorageLabState.Parse(Written, "lab.json");

        Assert.Equal((10022, 18000, 198144, 48), (state.SshPort, state.HttpPort, state.QemuPid, state.RemountDelaySeconds));
        Assert.Equal(7.147, state.BootToSshSeconds);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 4, 43, 30, 255, TimeSpan.Zero), state.BuiltAt);
        Assert.Equal("ssh -i /root/.cache/runbook/lab/storage/id_ed25519 -o UserKnownHostsFile=/run/runbook-lab/storage/known_hosts -p 10022 root@127.0.0.1",
            StorageLab.SshCommandLine(state));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"lab": "network", "qemuPid": 1}""")]
    [InlineData("""{"lab": "storage", "sshPort": 10022}""")]
    public void Parse_RejectsWhatIsNotAStorageLabJson_SayingHowToClearIt(string json)
    {
        var e = Assert.Throws<LabException>(() => StorageLabState.Parse(json, "/run/runbook-lab/storage/lab.json"));

        Assert.Contains("/run/runbook-lab/storage/lab.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("runbook lab down storage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsQemu_IsFalseForAProcessWithoutTheMarker() =>
        Assert.False(StorageLab.IsQemu(Environment.ProcessId));

    [Fact]
    public async Task RecipeHash_IsStable_AndChangesWithTheScriptText()
    {
        await using var host = new LocalHost();
        async Task<string> Recipe(string script)
        {
            var r = await host.RunAsync(HostCommand.Exec("bash", "-c", script, "storage-lab.sh", "recipe").WithValidation(CommandValidation.None));
            Assert.True(r.Succeeded, r.StandardError);
            return r.StandardOutput;
        }

        var once = await Recipe(StorageLab.Script);
        var again = await Recipe(StorageLab.Script);
        var changed = await Recipe(StorageLab.Script + "\n# one more line\n");

        Assert.Matches(@"^[0-9a-f]{16} .+/runbook/lab/storage/[0-9a-f]{16}\n$", once);
        Assert.Equal(once, again);
        Assert.NotEqual(once, changed);
    }
}
