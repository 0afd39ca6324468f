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
