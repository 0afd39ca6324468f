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

    [Fact]
    public async Task MoreCommandsThanChannels_Queue_OnOneConnection_EachRunningOnce()
    {
        await using var host = Open();
        var connection = SshNetConcurrencyProbe.ClientPort(await host.RunAsync(HostCommand.Shell("echo $SSH_CLIENT")));
        var probe = new SshNetConcurrencyProbe(Scratch, SshNetHost.CommandChannels);
        var count = 2 * SshNetHost.CommandChannels;

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => host.RunAsync(probe.Command(i))));

        Assert.Equal(SshNetHost.CommandChannels, probe.Most);
        Assert.Equal(Enumerable.Range(0, count), probe.Runs);
        Assert.All(results, result => Assert.Equal(connection, SshNetConcurrencyProbe.ClientPort(result)));
    }

    // What a loaded CI machine did once: the server took longer than ConnectTimeout to answer while channels opened.
    // SSH.NET waited for each answer only that long, the host took the time-out for a connection gone, closed it and
    // ran the commands again on a new one, though some had been sent and ran there too (9 counted for 8 channels).
    // A stopped sshd is that slow server, for as long as the test wants.
    [Fact]
    public async Task ServerPausedLongerThanConnectTimeout_WhileChannelsOpen_DelaysCommands_ButNeitherRerunsNorReconnects()
    {
        await using var host = Open();
        var connectTimeout = host.Target.ConnectTimeout;
        var first = (await host.RunAsync(HostCommand.Shell("echo $PPID $SSH_CLIENT"))).StandardOutput.Split(' ');
        var (server, connection) = (first[0], first[2]);
        var runs = Scratch.Combine("runs");
        var count = SshNetHost.CommandChannels;

        Processes.Run("kill", "-STOP", server);
        Task<CommandResult[]> running;
        try
        {
            running = Task.WhenAll(Enumerable.Range(0, count).Select(i => host.RunAsync(HostCommand.Shell($"echo {i} >> {runs}; echo $SSH_CLIENT"))));
            await Task.Delay(connectTimeout + TimeSpan.FromSeconds(1));
        }
        finally
        {
            Processes.Run("kill", "-CONT", server);
        }
        var results = await running;

        Assert.Equal(Enumerable.Range(0, count), File.ReadAllLines(runs).Select(int.Parse).Order());
        Assert.All(results, result => Assert.Equal(connection, SshNetConcurrencyProbe.ClientPort(result)));
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
