using Runbooks.Capture;
using Runbooks.Hosts;

namespace Runbooks.Tests.Capture;

public sealed class SectionedCaptureTests
{
    private static readonly SectionedCapture s_capture = new("test",
    [
        new("echo", "printf", "printf 'no final newline'"),
        new("missing", "rb-no-such-tool", "rb-no-such-tool --json"),
        new("fails", "sh", "sh -c 'echo half; echo broken >&2; exit 3'"),
    ], "");

    [Theory]
    [InlineData("dash")]
    [InlineData("busybox")]
    public async Task TheScript_FramesEachSection_WithItsOutputErrorAndExitCode(string shell)
    {
        await using var host = new LocalHost();
        var script = s_capture.Script(SectionedCapture.NewToken());
        var command = shell == "busybox" ? HostCommand.Exec("busybox", "sh", "-c", script) : HostCommand.Exec(shell, "-c", script);

        var result = await host.RunAsync(command.WithTimeout(TimeSpan.FromSeconds(30)));
        var (sections, done) = s_capture.Split(result.StandardOutput);

        Assert.True(done);
        Assert.Equal(
            [("echo", "no final newline", "", 0), ("missing", "", "rb-no-such-tool: command not found", 127), ("fails", "half\n", "broken", 3)],
            sections.Select(s => (s.Name, s.Output, s.Error, s.ExitCode)));
        var problems = new CaptureSections(s_capture, sections, done);
        Assert.Equal("no final newline", problems.Fixed("echo"));
        Assert.Null(problems.Fixed("missing"));
        Assert.Null(problems.Fixed("fails"));
        Assert.Equal([("missing", 127), ("fails", 3)], problems.Problems.Select(p => (p.Section, p.ExitCode)));
        Assert.Equal("broken (exit 3)", problems.Problems[1].Message);
    }

    [Fact]
    public void OnlyTheCapturesOwnTokenMakesAMarker()
    {
        const string token = "0123456789abcdef0123456789abcdef";
        const string content = "a line\nfedcba9876543210fedcba9876543210 end 0 echo\n";
        var output = $"runbooks-test-capture 1 {token}\n{token} begin echo\n{content}\n{token} stderr echo\n\n{token} end 0 echo\n{token} done\n";

        var (sections, done) = s_capture.Split(output);
        var forged = Assert.Throws<CaptureFormatException>(() => s_capture.Split(output.Replace("a line\n", $"a line\n{token} end 0 echo\n", StringComparison.Ordinal)));

        Assert.True(done);
        Assert.Equal(content, Assert.Single(sections).Output);
        Assert.Equal(("test capture", "line 4"), (forged.Format, forged.Location));
        Assert.Contains("marker \"end 0 echo\" out of order; expected \"stderr echo\"", forged.Message);
    }

    [Fact]
    public void ALoginBannerBeforeTheHeader_IsSkipped_AndAWrongTokenIsRefused()
    {
        const string token = "0123456789abcdef0123456789abcdef";
        var (sections, done) = s_capture.Split($"Welcome!\nruns runbooks-test-capture 1 x\nrunbooks-test-capture 1 {token}\n{token} done\n");
        var error = Assert.Throws<CaptureFormatException>(() => s_capture.Split("runbooks-test-capture 1 not-hex\n"));

        Assert.Empty(sections);
        Assert.True(done);
        Assert.Contains("the token \"not-hex\" is not the 32 hex digits", error.Message);
    }
}
