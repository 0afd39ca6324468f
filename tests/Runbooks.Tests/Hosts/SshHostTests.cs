using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>The OpenSSH transport: the conformance suite, and what is its own (the ControlMaster).</summary>
public sealed class SshHostTests(SshdFixture sshd) : SshHostConformance(sshd)
{
    protected override SshTransport Transport => SshTransport.OpenSsh;

    [Fact]
    public async Task ConnectAsync_StartsAMaster_WhoseSocketEveryCommandUses_AndDisposeEndsIt()
    {
        var host = new SshHost(Sshd.Target(Scratch));

        await host.ConnectAsync();
        Assert.True(Processes.Run("test", "-S", host.ControlPath).ExitCode == 0, $"no control socket at {host.ControlPath}");
        Assert.InRange(host.ControlPath.Length, 1, 100); // Unix socket paths end at 108 bytes, and ssh adds a suffix while binding
        var check = Processes.Run("ssh", "-o", "ControlPath=" + host.ControlPath, "-O", "check", "--", "127.0.0.1");
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("Master running", check.Output);

        await host.DisposeAsync();
        Assert.False(File.Exists(host.ControlPath));
        await WaitUntil(() => ProcessesWhere(commandLine => commandLine.Contains(host.ControlPath)).Count == 0, "the master process to exit");
    }

    [Fact]
    public async Task MasterGoneWhileACommandRuns_IsAConnectionLoss_AndTheNextCommandReconnects()
    {
        await using var host = new SshHost(Sshd.Target(Scratch));
        await host.ConnectAsync();

        // The master goes once the command runs on the host (its sshd is this machine's), not after a guessed delay.
        var started = Scratch.Combine($"started-{Guid.NewGuid():N}");
        var running = host.RunAsync(HostCommand.Shell($"touch {started}; sleep 3; echo finished"));
        await WaitUntil(() => File.Exists(started), "the command to start on the host");
        Processes.Run("ssh", "-o", "ControlPath=" + host.ControlPath, "-O", "exit", "--", "127.0.0.1");

        var error = await Assert.ThrowsAsync<HostConnectionLostException>(() => running);
        Assert.Contains("may or may not have finished", error.Message);
        Assert.Equal("again\n", (await host.RunAsync(HostCommand.Exec("echo", "again"))).StandardOutput);
    }
}
