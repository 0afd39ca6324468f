using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>The SSH.NET transport: the conformance suite, and what is its own.</summary>
public sealed class SshNetHostTests(SshdFixture sshd) : SshHostConformance(sshd)
{
    protected override SshTransport Transport => SshTransport.SshNet;

    [Fact]
    public void TargetWithSshOptions_IsRefused_NamingTheOtherTransport()
    {
        var target = Sshd.Target(Scratch) with { Options = ["ProxyJump=bastion"] };

        var error = Assert.Throws<ArgumentException>(() => new SshNetHost(target));

        Assert.Contains("ProxyJump=bastion", error.Message);
        Assert.Contains("OpenSSH transport", error.Message);
    }

    // Seen once in a clean CI run: 9 commands ran at once on the server where 8 channels are allowed. Kept, skipped
    // until that is explained (issue 18's closing note): the limiter or the count's own race.
    [Fact(Skip = "once saw 9 concurrent commands for 8 channels in CI; under investigation (issue 18)")]
    public async Task MoreCommandsThanChannels_Queue_OnOneConnection()
    {
        await using var host = Open();
        await host.ConnectAsync();
        var before = Sshd.AcceptedConnections;
        var running = Scratch.Combine("running");
        var most = Scratch.Combine("most");

        // Each command counts the commands running beside it (a lock-free count in files would race: flock serialises).
        var line = $"flock {running}.lock sh -c 'n=$(($(cat {running} 2>/dev/null || echo 0)+1)); echo $n > {running}; m=$(cat {most} 2>/dev/null || echo 0); [ $n -gt $m ] && echo $n > {most}'; "
            + $"sleep 0.3; flock {running}.lock sh -c 'echo $(($(cat {running})-1)) > {running}'";
        await Task.WhenAll(Enumerable.Range(0, 2 * SshNetHost.CommandChannels).Select(_ => host.RunAsync(HostCommand.Shell(line))));

        Assert.Equal(SshNetHost.CommandChannels, int.Parse(File.ReadAllText(most).Trim()));
        Assert.Equal(before, Sshd.AcceptedConnections);
    }

    [Fact]
    public async Task KilledBySignal_Is128PlusTheSignal_WhichOpenSshReportsAs255()
    {
        await using var host = Open();

        var result = await host.RunAsync(HostCommand.Shell("kill -TERM $$").WithValidation(CommandValidation.None));

        Assert.Equal(128 + 15, result.ExitCode);
    }

    [Fact]
    public async Task MissingKeyFile_IsAnAuthenticationFailure_NamingTheFile()
    {
        var missing = Scratch.Combine("no_such_key");
        await using var host = Open(t => t with { IdentityFile = missing });

        var error = await Assert.ThrowsAsync<HostAuthenticationException>(() => host.ConnectAsync());

        Assert.Contains(missing, error.Message);
        Assert.Contains("no such identity", error.Message);
    }
}
