using Runbooks.Hosts;

namespace Runbooks.Tests.Hosts;

public sealed class ShellQuoteTests
{
    public static TheoryData<string> Shells => new() { "bash", "dash", "busybox sh" };

    private static readonly string[] s_nasty =
        ["plain", "", " ", "two words", "it's", "''", "'", "\"", "$HOME", "${HOME}", "$(id)", "`id`", "\\", "\\n", "a\nb",
         "\n", "\t", "*", "?", "[a]", "~", "~root", "!", "#comment", "; rm -rf /", "&&", "|", ">", "-n", "--", "ünï 𝄞", "%s"];

    [Theory]
    [MemberData(nameof(Shells))]
    public void QuotedWords_ReadBackAsTheOriginal_InEveryPosixShell(string shell)
    {
        var program = shell.Split(' ');
        var line = "printf '%s\\0' " + ShellQuote.Join(s_nasty);

        var printed = Processes.Run(program[0], [.. program[1..], "-c", line]);

        Assert.True(printed.ExitCode == 0, printed.Output);
        Assert.Equal(s_nasty, printed.Stdout.Split('\0')[..^1]);
    }

    [Fact]
    public void Quote_WrapsInSingleQuotes_AndEscapesOnlySingleQuotes()
    {
        Assert.Equal("''", ShellQuote.Quote(""));
        Assert.Equal("'$x y'", ShellQuote.Quote("$x y"));
        Assert.Equal(@"'it'\''s'", ShellQuote.Quote("it's"));
        Assert.Equal("'a' 'b c'", ShellQuote.Join(["a", "b c"]));
    }

    [Fact]
    public void Quote_RefusesNul_WhichNoArgumentCanCarry()
    {
        Assert.Throws<ArgumentException>(() => ShellQuote.Quote("a\0b"));
        Assert.Throws<ArgumentException>(() => HostCommand.Exec("echo", "a\0b"));
    }
}

public sealed class HostCommandTests
{
    [Fact]
    public void WithMethods_ReturnChangedCopies_AndLeaveTheOriginalAlone()
    {
        var original = HostCommand.Exec("wg", "show", "all", "dump");

        var changed = original.WithTimeout(TimeSpan.FromSeconds(3)).WithStandardInput("secret").WithDescription("peers")
            .WithValidation(CommandValidation.None).WithRemoteTimeout(TimeSpan.FromSeconds(2));

        Assert.Equal((null, null, null, CommandValidation.ZeroExitCode, null),
            (original.Timeout, original.StandardInput, original.Description, original.Validation, original.RemoteTimeout));
        Assert.Equal((TimeSpan.FromSeconds(3), "secret", "peers", CommandValidation.None, TimeSpan.FromSeconds(2)),
            (changed.Timeout, changed.StandardInput, changed.Description, changed.Validation, changed.RemoteTimeout));
        Assert.Equal(["wg", "show", "all", "dump"], changed.Arguments);
    }

    [Fact]
    public void CommandLine_QuotesExecArguments_AndKeepsShellLinesAsWritten()
    {
        Assert.Equal("'wg' 'show' 'all' 'dump'", HostCommand.Exec("wg", "show", "all", "dump").CommandLine);
        Assert.Equal("ip -j addr | head", HostCommand.Shell("ip -j addr | head").CommandLine);
        Assert.Null(HostCommand.Exec("true").ShellLine);
        Assert.Empty(HostCommand.Shell("true").Arguments);
    }

    [Fact]
    public void RemoteTimeout_WrapsInTimeout_RoundedUpToWholeSeconds()
    {
        Assert.Equal("timeout -k 2 3 'wg' 'show'", HostCommand.Exec("wg", "show").WithRemoteTimeout(TimeSpan.FromSeconds(2.1)).CommandLine);
        Assert.Equal("timeout -k 2 5 \"${SHELL:-/bin/sh}\" -c 'echo '\\''hi'\\'' | cat'",
            HostCommand.Shell("echo 'hi' | cat").WithRemoteTimeout(TimeSpan.FromSeconds(5)).CommandLine);
    }

    [Fact]
    public void ToString_ShowsTheDescriptionOrCommand_NeverTheStandardInput()
    {
        var command = HostCommand.Exec("wg", "set", "wg0", "private-key", "/dev/stdin").WithStandardInput("S3CRET");

        Assert.DoesNotContain("S3CRET", command.ToString());
        Assert.Equal("set key", command.WithDescription("set key").ToString());
    }

    [Fact]
    public void BadInput_IsRefusedWhereItIsWritten()
    {
        Assert.Throws<ArgumentException>(() => HostCommand.Shell(" "));
        Assert.Throws<ArgumentException>(() => HostCommand.Exec(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostCommand.Shell("true").WithTimeout(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostCommand.Shell("true").WithRemoteTimeout(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostCommand.Shell("true").WithValidation((CommandValidation)7));
    }
}

public sealed class SshTargetTests
{
    [Fact]
    public void Defaults_AreRootOnPort22_StrictKeys_5sConnect_60sPersist()
    {
        var target = new SshTarget("10.0.0.1");

        Assert.Equal((22, "root", HostKeyPolicy.Strict, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60)),
            (target.Port, target.User, target.HostKeyPolicy, target.ConnectTimeout, target.ControlPersist));
        Assert.Equal("root@10.0.0.1:22", target.ToString());
        Assert.Equal("root@[fd00::1]:2222", new SshTarget("fd00::1") { Port = 2222 }.ToString());
        Assert.Equal("gateway", new SshTarget("gateway") { Port = null, User = null }.ToString());
    }

    [Fact]
    public void OptionsThatHaveAProperty_AreRefused_NamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new SshTarget("h") { Options = ["connecttimeout=1"] });

        Assert.Contains("SshTarget.ConnectTimeout", error.Message);
        Assert.Throws<ArgumentException>(() => new SshTarget("h") { Options = ["ControlPath=/x"] });
        Assert.Throws<ArgumentException>(() => new SshTarget("h") { Options = ["ProxyJump bastion"] });
        Assert.Equal("ProxyJump=bastion", Assert.Single(new SshTarget("h") { Options = ["ProxyJump=bastion"] }.Options));
    }

    [Fact]
    public void ValuesSshWouldMisread_AreRefused_AlsoThroughWith()
    {
        var target = new SshTarget("h");

        Assert.Throws<ArgumentException>(() => new SshTarget("-oProxyCommand=touch /tmp/x"));
        Assert.Throws<ArgumentException>(() => target with { Host = "a b" });
        Assert.Throws<ArgumentOutOfRangeException>(() => target with { Port = 70000 });
        Assert.Throws<ArgumentOutOfRangeException>(() => target with { ConnectTimeout = TimeSpan.FromMilliseconds(10) });
        Assert.Throws<ArgumentException>(() => target with { IdentityFile = "/keys/${USER}" });
        Assert.Throws<ArgumentException>(() => target with { User = "-l" });
    }
}

public sealed class TranscriptTests
{
    [Fact]
    public async Task Markdown_IsATableWithCollapsedOutputs_ThatOutputCannotBreak()
    {
        var transcript = new Transcript();
        await using var host = new LocalHost(transcript);

        await host.RunAsync(HostCommand.Shell("printf 'a|b\\n```\\nend\\n'; echo warn >&2").WithDescription("tricky <output>"));
        await host.RunAsync(HostCommand.Exec("true"));

        var markdown = transcript.ToMarkdown();
        var rows = markdown.Split('\n').Where(line => line.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, rows.Count); // header and one row per command
        Assert.All(rows, row => Assert.Equal(7, row.Count(c => c == '|'))); // a '|' in a command does not add a column
        Assert.Contains("tricky &lt;output&gt;: <code>printf &#39;a&#124;b", rows[1]);
        Assert.Contains("<details><summary>#1 stdout (3 lines): tricky &lt;output&gt;</summary>\n\n````text\na|b\n```\nend\n````\n", markdown);
        Assert.Contains("<details><summary>#1 stderr (1 line)", markdown);
        Assert.DoesNotContain("#2 stdout", markdown); // nothing written, nothing shown
    }

    [Fact]
    public void Empty_SaysSo() => Assert.Equal("_No commands were run._\n", new Transcript().ToMarkdown());

    [Fact]
    public async Task Entries_AreASnapshot_AndConcurrentCommandsAreAllRecorded()
    {
        var transcript = new Transcript();
        await using var host = new LocalHost(transcript);
        var before = transcript.Entries;

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => host.RunAsync(HostCommand.Exec("echo", i.ToString()))));

        Assert.Empty(before);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{i}\n").Order(), transcript.Entries.Select(e => e.StandardOutput).Order());
    }
}
