using System.Diagnostics;
using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

public sealed class LocalHostTests
{
    [Fact]
    public async Task Run_CapturesExitCodeAndBothOutputsApart()
    {
        await using var host = new LocalHost();

        var result = await host.RunAsync(HostCommand.Shell("echo out; echo err >&2; exit 5").WithValidation(CommandValidation.None));

        Assert.Equal((5, "out\n", "err\n"), (result.ExitCode, result.StandardOutput, result.StandardError));
        Assert.Equal(Environment.MachineName, result.HostName);
    }

    [Fact]
    public async Task ShellLines_RunInBash()
    {
        await using var host = new LocalHost();

        var result = await host.RunAsync(HostCommand.Shell("words=(a b c); echo ${#words[@]} $BASH_VERSION | cut -c1-3"));

        Assert.Equal("3 5", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task NonZeroExit_ThrowsWithTheResult()
    {
        await using var host = new LocalHost();

        var error = await Assert.ThrowsAsync<HostCommandException>(() => host.RunAsync(HostCommand.Exec("ls", "/no/such/path")));

        Assert.Equal(2, error.Result.ExitCode);
        Assert.Contains("/no/such/path", error.Result.StandardError);
        Assert.Contains("'ls' '/no/such/path'", error.Message);
    }

    [Fact]
    public async Task FailureMessages_AreRedacted_ButTheResultIsNot()
    {
        const string privateKey = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
        await using var host = new LocalHost();

        var error = await Assert.ThrowsAsync<HostCommandException>(() =>
            host.RunAsync(HostCommand.Shell($"echo 'PrivateKey = {privateKey}' >&2; exit 1")));

        Assert.DoesNotContain(privateKey, error.Message);
        Assert.Contains("PrivateKey = [REDACTED:", error.Message);
        Assert.Contains(privateKey, error.Result.StandardError); // the code that ran it may need it
    }

    [Fact]
    public async Task Exec_SendsEveryArgumentIntact_AndStandardInputThrough()
    {
        string[] nasty = ["it's", "$HOME", "`id`", "a\nb", "", "*", "\\", "-e"];
        await using var host = new LocalHost();

        var printed = await host.RunAsync(HostCommand.Exec("printf", ["%s\\0", .. nasty]));
        var echoed = await host.RunAsync(HostCommand.Exec("cat").WithStandardInput("in\nput"));

        Assert.Equal(nasty, printed.StandardOutput.Split('\0')[..^1]);
        Assert.Equal("in\nput", echoed.StandardOutput);
    }

    [Fact]
    public async Task Timeout_KillsTheCommandAndWhatItStarted()
    {
        await using var host = new LocalHost();
        var marker = $"sleep 4{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HostCommandTimeoutException>(() =>
            host.RunAsync(HostCommand.Shell($"echo begun; {marker}; echo never").WithTimeout(TimeSpan.FromMilliseconds(500))));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(3));
        Assert.Equal("begun\n", error.PartialStandardOutput);
        Assert.False(error.MayStillRunOnHost);
        Assert.Equal(1, Processes.Run("pgrep", "-fx", marker).ExitCode); // 1: no process matched
    }

    [Fact]
    public async Task Cancellation_KillsTheCommand_AndThrowsOperationCanceled()
    {
        var transcript = new Transcript();
        await using var host = new LocalHost(transcript);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.RunAsync(HostCommand.Exec("sleep", "30"), cancel.Token));

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Null(Assert.Single(transcript.Entries).ExitCode);
    }

    [Fact]
    public async Task RemoteTimeout_WrapsShellLinesInTheSameShell()
    {
        await using var host = new LocalHost();

        var quick = await host.RunAsync(HostCommand.Shell("echo ${BASH_VERSION:+bash}").WithRemoteTimeout(TimeSpan.FromSeconds(5)));
        var slow = await host.RunAsync(HostCommand.Shell("sleep 5").WithRemoteTimeout(TimeSpan.FromSeconds(1)).WithValidation(CommandValidation.None));

        Assert.Equal("bash\n", quick.StandardOutput);
        Assert.Equal(124, slow.ExitCode);
    }

    [Fact]
    public async Task BackgroundChildHoldingTheOutput_DoesNotHangTheCommand()
    {
        await using var host = new LocalHost();
        var clock = Stopwatch.StartNew();

        // The sleep inherits stdout and keeps it open after bash exits.
        var result = await host.RunAsync(HostCommand.Shell("sleep 3 & echo done"));

        Assert.Equal("done\n", result.StandardOutput);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }
}
