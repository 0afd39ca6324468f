using System.Diagnostics;
using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

/// <summary>
/// What every SSH transport must do, against a real sshd on loopback; each transport's test class derives from this
/// one and so runs all of it. The "remote" machine is this one, so tests can also look at the processes a command
/// left behind, and stop or kill the sshd process serving the connection.
/// </summary>
public abstract class SshHostConformance(SshdFixture sshd) : IClassFixture<SshdFixture>, IDisposable
{
    protected SshdFixture Sshd { get; } = sshd;

    protected TempFolder Scratch { get; } = new();

    protected abstract SshTransport Transport { get; }

    public void Dispose()
    {
        Scratch.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A host on the fixture's sshd with this class's transport.</summary>
    protected ISshHost Open(Func<SshTarget, SshTarget>? change = null, Transcript? transcript = null) =>
        SshHosts.Open((change ?? (t => t))(Sshd.Target(Scratch) with { Transport = Transport }), transcript);

    [Fact]
    public async Task Run_CapturesExitCodeAndBothOutputsApart()
    {
        await using var host = Open();

        var result = await host.RunAsync(HostCommand.Shell("echo out; echo err >&2; exit 3").WithValidation(CommandValidation.None));

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError); // nothing of the client's own in it
        Assert.Equal("127.0.0.1", result.HostName);
        Assert.Equal("echo out; echo err >&2; exit 3", result.CommandLine);
        Assert.InRange(result.Duration, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task NonZeroExit_ThrowsWithTheResult()
    {
        await using var host = Open();

        var error = await Assert.ThrowsAsync<HostCommandException>(() =>
            host.RunAsync(HostCommand.Shell("echo 'no such peer' >&2; exit 4").WithDescription("peer lookup")));

        Assert.Equal(4, error.Result.ExitCode);
        Assert.Equal("no such peer\n", error.Result.StandardError);
        Assert.Equal("127.0.0.1", error.HostName);
        Assert.Contains("peer lookup", error.Message);
        Assert.Contains("exit code 4", error.Message);
        Assert.Contains("no such peer", error.Message);
    }

    [Fact]
    public async Task Exit255FromTheCommand_IsItsOwnExitCode_NotAConnectionFailure()
    {
        await using var host = Open();

        var result = await host.RunAsync(HostCommand.Shell("echo 'ssh: Connection refused' >&2; exit 255").WithValidation(CommandValidation.None));

        Assert.Equal(255, result.ExitCode);
        Assert.Equal("ssh: Connection refused\n", result.StandardError);
    }

    public static TheoryData<string[]> Shells => new() { new[] { "bash" }, new[] { "dash" }, new[] { "busybox", "sh" } };

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Exec_SendsEveryArgumentIntact_ToEveryPosixShell(string[] shell)
    {
        string[] nasty = ["it's", "two words", "$HOME", "`id`", "$(id)", "line\nbreak", "", "back\\slash", "*", "-n",
            "\"double\"", "; echo injected", "tab\there", "ünïcødé", "'", "''", "a'b'c", "!bang", "~"];
        await using var host = Open();

        var direct = await host.RunAsync(HostCommand.Exec("printf", ["%s\\0", .. nasty]));
        var throughShell = await host.RunAsync(HostCommand.Exec(shell[0], [.. shell[1..], "-c", "printf '%s\\0' \"$@\"", "sh", .. nasty]));

        Assert.Equal(nasty, direct.StandardOutput.Split('\0')[..^1]);
        Assert.Equal(nasty, throughShell.StandardOutput.Split('\0')[..^1]);
    }

    [Fact]
    public async Task StandardInput_ReachesTheCommand_AndWithoutItTheInputIsClosed()
    {
        await using var host = Open();
        const string input = "line one\nPrivateKey 'quoted' $NOT_EXPANDED\n\nlast without newline";

        var echoed = await host.RunAsync(HostCommand.Exec("cat").WithStandardInput(input));
        var nothing = await host.RunAsync(HostCommand.Exec("cat").WithTimeout(TimeSpan.FromSeconds(5)));
        var empty = await host.RunAsync(HostCommand.Exec("cat").WithStandardInput("").WithTimeout(TimeSpan.FromSeconds(5)));

        Assert.Equal(input, echoed.StandardOutput);
        Assert.Equal("", nothing.StandardOutput);
        Assert.Equal("", empty.StandardOutput);
    }

    [Fact]
    public async Task ConnectAsync_OpensOneConnection_ThatEveryCommandReuses_AndDisposeClosesIt()
    {
        var host = Open();
        var before = Sshd.AcceptedConnections;

        await host.ConnectAsync();
        await WaitUntil(() => Sshd.AcceptedConnections == before + 1, "sshd to log the login");
        for (var i = 0; i < 5; i++)
            Assert.Equal($"{i}\n", (await host.RunAsync(HostCommand.Exec("echo", i.ToString()))).StandardOutput);
        await host.ConnectAsync(); // already open: no new connection
        await Task.Delay(200); // a login would have been logged by now
        Assert.Equal(before + 1, Sshd.AcceptedConnections);

        var port = Sshd.AcceptedPorts[^1];
        await host.DisposeAsync();
        await WaitUntil(() => Sshd.Disconnected(port), $"sshd to log the end of the connection from port {port}");
    }

    [Fact]
    public async Task ManyCommandsAtOnce_AllSucceed_EvenPastTheServersSessionLimit()
    {
        await using var host = Open();
        await host.ConnectAsync();

        // sshd's MaxSessions is 10 per connection: ssh opens another connection for the rest, SSH.NET queues them.
        var results = await Task.WhenAll(Enumerable.Range(0, 14).Select(i =>
            host.RunAsync(HostCommand.Shell($"sleep 0.3; echo {i}"))));

        Assert.Equal(Enumerable.Range(0, 14).Select(i => $"{i}\n"), results.Select(r => r.StandardOutput));
    }

    [Fact]
    public async Task Timeout_GivesControlBack_AndSaysTheRemoteCommandMayStillRun()
    {
        await using var host = Open();
        await host.ConnectAsync();
        var marker = UniqueSleep();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HostCommandTimeoutException>(() =>
            host.RunAsync(HostCommand.Shell($"echo started; {marker}").WithTimeout(TimeSpan.FromSeconds(1))));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        Assert.True(error.MayStillRunOnHost);
        Assert.False(error.StoppedOnHost);
        Assert.Contains("WithRemoteTimeout", error.Message);
        Assert.Equal("started\n", error.PartialStandardOutput);
        Assert.Empty(ProcessesWhere(commandLine => commandLine.StartsWith("ssh ") && commandLine.Contains(marker)));
        var remoteSleep = ProcessesWhere(commandLine => commandLine == marker);
        try
        {
            // As documented: the host's side did not hear about it. (Here the host is this machine.)
            Assert.Single(remoteSleep);
        }
        finally
        {
            foreach (var pid in remoteSleep)
                Processes.Run("kill", pid.ToString());
        }
    }

    [Fact]
    public async Task RemoteTimeout_StopsTheCommandOnTheHost()
    {
        await using var host = Open();
        var marker = UniqueSleep();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HostCommandTimeoutException>(() =>
            host.RunAsync(HostCommand.Shell($"echo started; {marker}").WithRemoteTimeout(TimeSpan.FromSeconds(1))));
        var withoutValidation = await host.RunAsync(HostCommand.Exec("sh", "-c", marker)
            .WithRemoteTimeout(TimeSpan.FromSeconds(1)).WithValidation(CommandValidation.None));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(7));
        Assert.True(error.StoppedOnHost);
        Assert.False(error.MayStillRunOnHost);
        Assert.Equal("started\n", error.PartialStandardOutput);
        Assert.Equal(124, withoutValidation.ExitCode);
        Assert.Empty(ProcessesWhere(commandLine => commandLine.Contains(marker)));
    }

    [Fact]
    public async Task ClosedPort_IsUnreachable_WithinTheConnectTimeout_NamingHostAndPort()
    {
        var port = SshdFixture.FreePort();
        await using var host = Open(t => t with { Port = port });
        var clock = Stopwatch.StartNew();

        var connect = await Assert.ThrowsAsync<HostUnreachableException>(() => host.ConnectAsync());
        // Without ConnectAsync first, the first command fails the same way, not as a command failure.
        var run = await Assert.ThrowsAsync<HostUnreachableException>(() => host.RunAsync(HostCommand.Exec("true")));

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2 * (2 + 2)));
        Assert.Contains($"127.0.0.1:{port}", connect.Message);
        Assert.Contains("refused", connect.Message);
        Assert.Contains("sshd", connect.Message); // says what to check
        Assert.Equal($"root@127.0.0.1:{port}", connect.Target);
        Assert.Contains("Connection refused", connect.SshDiagnostics);
        Assert.Equal(connect.Message, run.Message);
    }

    [Fact]
    public async Task PortThatNeverGreets_IsUnreachable_AfterTheConnectTimeout_NotAHang()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (backlog) and never says a word
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        await using var host = Open(t => t with { Port = port, ConnectTimeout = TimeSpan.FromSeconds(1) });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HostUnreachableException>(() => host.ConnectAsync());

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1 + 2));
        Assert.Contains("no SSH greeting", error.Message);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task WrongKey_IsAnAuthenticationFailure()
    {
        await using var host = Open(t => t with { IdentityFile = Sshd.StrangerKey });

        var error = await Assert.ThrowsAsync<HostAuthenticationException>(() => host.ConnectAsync());

        Assert.Contains($"root@127.0.0.1:{Sshd.Port} refused the login", error.Message);
        Assert.Contains(Sshd.StrangerKey, error.Message);
        Assert.Contains("authorized_keys", error.Message);
        Assert.Contains("Permission denied (publickey)", error.Message);
    }

    [Theory]
    [InlineData(HostKeyPolicy.Strict)]
    [InlineData(HostKeyPolicy.AcceptNew)] // accept-new accepts unknown keys, never changed ones
    public async Task ChangedHostKey_IsAMismatch_NamingTheKnownHostsLine(HostKeyPolicy policy)
    {
        var knownHosts = Sshd.KnownHosts(Scratch, Sshd.StrangerPublicKey);
        await using var host = Open(t => t with { KnownHostsFile = knownHosts, HostKeyPolicy = policy });

        var error = await Assert.ThrowsAsync<HostKeyMismatchException>(() => host.ConnectAsync());

        Assert.Contains($"127.0.0.1:{Sshd.Port}", error.Message);
        Assert.Contains("intercepting", error.Message);
        Assert.Contains("ssh-keygen -f", error.Message); // what to do once the new key is checked
        Assert.Equal($"{knownHosts}:1", error.OffendingKeyLocation);
        Assert.StartsWith("SHA256:", error.PresentedFingerprint);
        Assert.Equal(Sshd.StrangerPublicKey + "\n", File.ReadAllText(knownHosts).Replace($"[127.0.0.1]:{Sshd.Port} ", ""));
    }

    [Fact]
    public async Task UnknownHostKey_IsRefusedWhenStrict_AndRecordedWithAcceptNew()
    {
        var knownHosts = Scratch.File("empty_known_hosts", "");
        await using (var strict = Open(t => t with { KnownHostsFile = knownHosts }))
        {
            var error = await Assert.ThrowsAsync<HostKeyUnknownException>(() => strict.ConnectAsync());
            Assert.Contains("AcceptNew", error.Message);
        }
        Assert.Equal("", File.ReadAllText(knownHosts));

        await using var acceptNew = Open(t => t with { KnownHostsFile = knownHosts, HostKeyPolicy = HostKeyPolicy.AcceptNew });
        var result = await acceptNew.RunAsync(HostCommand.Shell("echo hello >&2"));

        Assert.Equal("hello\n", result.StandardError); // "Permanently added" went to the client's log, not here
        var lookup = Processes.Run("ssh-keygen", "-F", $"[127.0.0.1]:{Sshd.Port}", "-f", knownHosts);
        Assert.True(lookup.ExitCode == 0, $"the host key was not recorded: {lookup.Output}");
        Assert.Contains(Sshd.HostPublicKey.Split(' ')[1], lookup.Stdout);
    }

    [Fact]
    public async Task ServerKilledWhileACommandRuns_IsAConnectionLoss_AndTheNextCommandReconnects()
    {
        await using var host = Open();
        var (running, server) = await StartOnServerAsync(host, "sleep 5; echo finished");

        Processes.Run("kill", "-KILL", server.ToString());

        var error = await Assert.ThrowsAsync<HostConnectionLostException>(() => running);
        Assert.Contains("may or may not have finished", error.Message);
        Assert.Equal("again\n", (await host.RunAsync(HostCommand.Exec("echo", "again"))).StandardOutput);
    }

    [Fact]
    public async Task ServerThatStopsAnswering_IsAConnectionLoss_AfterTheKeepalivesGoUnanswered()
    {
        await using var host = Open(t => t with { ServerAliveInterval = TimeSpan.FromSeconds(1), ServerAliveCountMax = 2 });
        var marker = UniqueSleep();
        var (running, server) = await StartOnServerAsync(host, marker);
        try
        {
            // Stopped, the process that serves the connection still has its kernel acknowledge TCP, but answers nothing.
            Processes.Run("kill", "-STOP", server.ToString());

            var error = await Assert.ThrowsAsync<HostConnectionLostException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("may or may not have finished", error.Message);
        }
        finally
        {
            Processes.Run("kill", "-KILL", server.ToString());
            foreach (var pid in ProcessesWhere(commandLine => commandLine == marker))
                Processes.Run("kill", pid.ToString());
        }
    }

    [Fact]
    public async Task Transcript_RecordsEveryCommand_WithSecretsRedacted()
    {
        const string privateKey = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
        var transcript = new Transcript();
        await using var host = Open(transcript: transcript);

        await host.RunAsync(HostCommand.Exec("cat").WithStandardInput($"[Interface]\nPrivateKey = {privateKey}\n").WithDescription("show config"));
        await host.RunAsync(HostCommand.Shell($"echo 'PrivateKey = {privateKey}' >&2"));
        await Assert.ThrowsAsync<HostCommandException>(() => host.RunAsync(HostCommand.Shell("exit 7")));
        await Assert.ThrowsAsync<HostCommandTimeoutException>(() => host.RunAsync(HostCommand.Exec("sleep", "5").WithTimeout(TimeSpan.FromSeconds(0.5))));

        var entries = transcript.Entries;
        Assert.Equal(4, entries.Count);
        Assert.Equal("show config", entries[0].Description);
        Assert.Equal("[Interface]\nPrivateKey = [REDACTED:wg-conf-private-key]\n", entries[0].StandardOutput);
        Assert.Equal(entries[0].StandardInputLength, $"[Interface]\nPrivateKey = {privateKey}\n".Length);
        Assert.StartsWith("echo 'PrivateKey = [REDACTED:", entries[1].CommandLine);
        Assert.StartsWith("PrivateKey = [REDACTED:", entries[1].StandardError);
        Assert.Equal(7, entries[2].ExitCode);
        Assert.Null(entries[3].ExitCode);
        Assert.StartsWith(nameof(HostCommandTimeoutException), entries[3].Error);
        Assert.All(entries, entry => Assert.Equal("127.0.0.1", entry.HostName));

        var markdown = transcript.ToMarkdown();
        Assert.DoesNotContain(privateKey, markdown);
        Assert.DoesNotContain(privateKey, string.Join("\n", entries.Select(e => e.ToString())));
        Assert.Contains("[REDACTED:", markdown);
        Assert.Contains("| 3 | 127.0.0.1 | <code>exit 7</code> | 7 |", markdown);
        Assert.Contains("**#4 error:** HostCommandTimeoutException", markdown);
    }

    [Fact]
    public async Task Upload_CopiesTheFileByteForByte_AndTheTranscriptRecordsIt()
    {
        var transcript = new Transcript();
        await using var host = Open(transcript: transcript);
        var content = new byte[3 << 20];
        new Random(7).NextBytes(content); // every byte value, NULs and invalid UTF-8 included
        var local = Scratch.Combine("upload.bin");
        File.WriteAllBytes(local, content);
        var remote = Scratch.Combine("uploaded.bin");

        await host.UploadAsync(local, remote);
        var missingFolder = await Assert.ThrowsAnyAsync<HostException>(() => host.UploadAsync(local, Scratch.Combine("no/such/folder/file")));

        Assert.Equal(content, File.ReadAllBytes(remote));
        Assert.Contains("no/such/folder/file", missingFolder.Message);
        Assert.Equal(2, transcript.Entries.Count);
        Assert.Equal(0, transcript.Entries[0].ExitCode);
        Assert.Contains(remote, transcript.Entries[0].CommandLine);
        Assert.Contains($"{content.Length} bytes", transcript.Entries[0].Description);
        Assert.NotNull(transcript.Entries[1].Error);
    }

    /// <summary>Starts <paramref name="line"/> and returns, once it runs, its task and the pid of the sshd process
    /// that serves its connection (its shell's parent), found without guessing at delays.</summary>
    protected async Task<(Task<CommandResult> Running, int ServerPid)> StartOnServerAsync(ISshHost host, string line)
    {
        await host.ConnectAsync();
        var pidFile = Scratch.Combine($"server-{Guid.NewGuid():N}");
        var running = host.RunAsync(HostCommand.Shell($"echo $PPID > {pidFile}.tmp; mv {pidFile}.tmp {pidFile}; {line}"));
        await WaitUntil(() => File.Exists(pidFile), "the command to start on the host");
        return (running, int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    protected static string UniqueSleep() => $"sleep 3{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";

    /// <summary>Pids of running processes whose command line (arguments joined by spaces) matches.</summary>
    protected static List<int> ProcessesWhere(Func<string, bool> matches)
    {
        var pids = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).TrimEnd('\0').Replace('\0', ' ');
                if (commandLine.Length > 0 && matches(commandLine))
                    pids.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    protected static async Task WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
                Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
