using System.Text.Json;
using Runbooks.Labs.Network;
using Runbooks.Labs.Tests.Network;

namespace Runbooks.Labs.Tests.Cli;

/// <summary>`runbook lab …` as an engineer or CI runs it: the real program, against the real twin.</summary>
[Collection(NetworkLabCollection.Name)]
public sealed class LabCommandTests(NetworkLabFixture fixture)
{
    [Fact]
    public void UpStatusExecDown_ExitCodesAndOutput()
    {
        fixture.Changed();

        var up = Runbook("lab", "up", "network");
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Contains("network lab up in ", up.Stdout, StringComparison.Ordinal);
        Assert.Contains("root@fdaa:0:1:a7b::3", up.Stdout, StringComparison.Ordinal);

        var status = Runbook("lab", "status", "network");
        Assert.Equal(0, status.ExitCode);
        Assert.Matches(@"wg-server\s+fdaa:0:1:a7b::2\s+holder \d+ alive  sshd up  wg0 up  http listening", status.Stdout);

        using var json = JsonDocument.Parse(Runbook("lab", "status", "network", "--json").Stdout);
        Assert.True(json.RootElement.GetProperty("up").GetBoolean());
        Assert.Equal(["server", "client"], json.RootElement.GetProperty("machines").EnumerateArray().Select(m => m.GetProperty("role").GetString()));

        var exec = Runbook("lab", "exec", "network", "client", "--", "hostname;", "echo", "out;", "exit", "7");
        Assert.Equal((7, "wg-client\nout\n"), (exec.ExitCode, exec.Stdout));
        var dashes = Runbook("lab", "exec", "network", "wg-server", "--", "sysctl", "-n", "net.ipv4.icmp_echo_ignore_all");
        Assert.Equal((0, "1\n"), (dashes.ExitCode, dashes.Stdout));

        var down = Runbook("lab", "down", "network");
        Assert.True(down.ExitCode == 0, down.Output);
        LabLeftovers.AssertNone();

        var statusDown = Runbook("lab", "status", "network");
        Assert.Equal((1, "network lab: down (run `runbook lab up network` to build it)\n"), (statusDown.ExitCode, statusDown.Stdout));
        var execDown = Runbook("lab", "exec", "network", "client", "--", "true");
        Assert.Equal(2, execDown.ExitCode);
        Assert.Contains("Run `runbook lab up network`", execDown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownMachineOrLab_IsBadInput_Exit2_NamingTheValidOnes()
    {
        await fixture.PristineAsync();

        var machine = Runbook("lab", "exec", "network", "srever", "--", "true");
        var lab = Runbook("lab", "up", "netwrok");
        var missingCommand = Runbook("lab", "exec", "network", "client");

        Assert.Equal((2, "runbook: the network lab has no machine 'srever'; use one of: server, client, wg-server, wg-client; did you mean \"server\"?\n"), (machine.ExitCode, machine.Stderr));
        Assert.Equal((2, "runbook: unknown lab 'netwrok'; the known labs are: network, storage; did you mean \"network\"?\n"), (lab.ExitCode, lab.Stderr));
        Assert.Equal(2, missingCommand.ExitCode);
    }

    private static RunbookProgram.Outcome Runbook(params string[] arguments) => RunbookProgram.Run(arguments);
}
