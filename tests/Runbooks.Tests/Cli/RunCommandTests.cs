using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Tests.Cli;

public class RunCommandTests
{
    private const string WireGuardPrivateKey = "8Pf2ZbSR2vTMjNeA3y6Wm0TyWnDcY6nzbLKv5Ef+rHk=";
    private const string WireGuardPublicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

    [Fact]
    public void A_passing_runbook_exits_0_and_writes_the_executed_copy_where_asked()
    {
        using var folder = new TempFolder();
        var source = folder.File("n.dib", Runbook.Dib("var x = 6;", "Console.WriteLine(x * 7);"));
        var before = File.ReadAllText(source);

        var outcome = Runbook.Run(folder.Path, "run", "n.dib", "-o", "out/executed.ipynb");

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        var executed = NotebookFile.Read(folder.Combine("out/executed.ipynb"));
        Assert.Equal("42\n", Assert.IsType<StreamOutput>(executed.Cells[1].Outputs.Single()).Text);
        Assert.Equal(before, File.ReadAllText(source));
        Assert.Contains("n: ok in", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_cell_exits_1_with_a_banner_and_plain_progress_lines()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", Runbook.Dib("var x = 1;", "throw new InvalidOperationException(\"vg0 not found\");", "x"));

        var outcome = Runbook.Run(folder.Path, "run", "n.dib", "-o", "x.ipynb");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("FAILED at cell 2", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("cell 2, line 1: InvalidOperationException: vg0 not found", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", outcome.Stderr, StringComparison.Ordinal);   // not a terminal: no redraws
        var executed = NotebookFile.Read(folder.Combine("x.ipynb"));
        Assert.True(executed.Cells[0].HasTag("runbook-error-banner"));
        Assert.Equal(CellStatus.NotRun, executed.Cells[^1].Run!.Status);
    }

    [Fact]
    public void The_executed_copy_never_overwrites_its_source_unless_asked()
    {
        using var folder = new TempFolder();
        var source = folder.File("n.ipynb", Ipynb.Serialize(Dib.Parse(Runbook.Dib("1 + 1"), "n.dib")));

        var refused = Runbook.Run(folder.Path, "run", "n.ipynb", "-o", "n.ipynb");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("would overwrite the source notebook", refused.Stderr, StringComparison.Ordinal);

        var allowed = Runbook.Run(folder.Path, "run", "n.ipynb", "-o", "n.ipynb", "--in-place");
        Assert.Equal(0, allowed.ExitCode);
        Assert.Equal("<div class=\"dni-plaintext\"><pre>2</pre></div>", ((DisplayOutput)NotebookFile.Read(source).Cells[0].Outputs.Single()).Text("text/html"));
    }

    [Theory]
    [InlineData(new[] { "run", "nosuch.ipynb" }, "no such notebook file")]
    [InlineData(new[] { "run", "n.dib", "-p", "novalue" }, "expected name=value")]
    [InlineData(new[] { "run", "n.dib", "-p", "hots=x" }, "did you mean \"host\"?")]
    [InlineData(new[] { "run", "n.dib", "-p", "port=x" }, "parameter 'port' (int) cannot be 'x'")]
    [InlineData(new[] { "run", "n.dib", "--cell-timeout", "-1" }, "--cell-timeout -1: expected a number of seconds greater than 0")]
    [InlineData(new[] { "run", "n.dib", "--profile", "twin" }, "is not in nbconfig.json, so it has no profiles")]
    [InlineData(new[] { "run" }, "name at least one notebook")]
    [InlineData(new[] { "run", "n.dib", "--cell-timout", "3" }, "--cell-timout")]
    [InlineData(new[] { "run", "n.dib", "-o", "/proc/nope/x.ipynb" }, "Check that the output folder exists and is writable")]
    public void Bad_input_exits_2_with_one_clear_message_and_runs_nothing(string[] arguments, string expected)
    {
        using var folder = new TempFolder();
        folder.File("n.dib", "#!csharp\n\n// parameters\nstring host = \"a\";\nint port = 22;\n\n#!csharp\n\nSystem.IO.File.WriteAllText(\"ran\", \"\");\n");

        var outcome = Runbook.Run(folder.Path, arguments);

        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains(expected, outcome.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("runbook: ", outcome.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.Combine("ran")));
    }

    [Fact]
    public void Ci_runs_the_catalogues_ci_notebooks_with_their_profile_into_the_artifacts_folder_with_junit()
    {
        using var folder = new TempFolder();
        folder.File("books/a.dib", "#!csharp\n\n// parameters\nstring target = \"default\";\n\n#!csharp\n\nConsole.WriteLine(\"target=\" + target);\n");
        folder.File("books/b.dib", Runbook.Dib("throw new Exception(\"b is broken\");"));
        folder.File("books/c.dib", Runbook.Dib("System.IO.File.WriteAllText(\"c-ran\", \"\");"));
        folder.File("nbconfig.json", """
            {
              "artifacts": "out/nb",
              "notebooks": {
                "a": { "path": "books/a.dib", "ci": true, "ciProfile": "twin", "profiles": { "twin": { "parameters": { "target": "the-twin" } } } },
                "b": { "path": "books/b.dib", "ci": true },
                "c": { "path": "books/c.dib" }
              }
            }
            """);

        var outcome = Runbook.Run(folder.Path, "run", "--ci", "--junit", "out/junit.xml");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("target=the-twin\n", ((StreamOutput)NotebookFile.Read(folder.Combine("out/nb/a.ipynb")).Cells[2].Outputs.Single()).Text, StringComparison.Ordinal);
        Assert.True(File.Exists(folder.Combine("out/nb/b.ipynb")));
        Assert.False(File.Exists(folder.Combine("books/c-ran")));
        var junit = XDocument.Load(folder.Combine("out/junit.xml"));
        Assert.Equal(["a", "b"], junit.Root!.Elements("testsuite").Select(s => (string)s.Attribute("name")!));
        Assert.Equal("1", (string?)junit.Root.Attribute("failures"));
        Assert.Contains("b is broken", (string)junit.Descendants("failure").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_typo_in_nbconfig_names_the_file_position_and_the_fix()
    {
        using var folder = new TempFolder();
        folder.File("a.dib", Runbook.Dib("1"));
        folder.File("nbconfig.json", "{\n  \"notebooks\": {\n    \"a\": { \"path\": \"a.dib\", \"cellTimout\": 5 }\n  }\n}\n");

        var outcome = Runbook.Run(folder.Path, "run", "a");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("nbconfig.json:3:", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"cellTimout\"", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_names_and_profiles_get_a_suggestion()
    {
        using var folder = new TempFolder();
        folder.File("a.dib", "#!csharp\n\n// parameters\nstring host = \"x\";\n");
        folder.File("nbconfig.json", """{ "notebooks": { "network-wireguard": { "path": "a.dib", "profiles": { "twin": { "parameters": { "host": "c" } } } } } }""");

        var name = Runbook.Run(folder.Path, "run", "network-wiregaurd");
        Assert.Equal(2, name.ExitCode);
        Assert.Contains("did you mean \"network-wireguard\"?", name.Stderr, StringComparison.Ordinal);

        var profile = Runbook.Run(folder.Path, "run", "network-wireguard", "--profile", "twni");
        Assert.Equal(2, profile.ExitCode);
        Assert.Contains("twin", profile.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_never_reach_the_executed_copy_the_junit_report_or_the_progress_log()
    {
        using var folder = new TempFolder();
        var pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";
        folder.File("key.pem", pem + "\n");
        folder.File("n.dib", "#!csharp\n\n// parameters\nstring apiToken = \"\";\n\n" + Runbook.Dib(
            $"Console.WriteLine(\"[Interface]\\nPrivateKey = {WireGuardPrivateKey}\\n[Peer]\\nPublicKey = {WireGuardPublicKey}\");",
            "Console.WriteLine(System.IO.File.ReadAllText(\"key.pem\"));",
            "Console.WriteLine($\"token length {apiToken.Length}\");",
            $"throw new Exception(\"PrivateKey = {WireGuardPrivateKey}\");"));

        var outcome = Runbook.Run(folder.Path, "run", "n.dib", "-o", "x.ipynb", "--junit", "j.xml", "-p", "apiToken=fo1_s3cr3t-token-value-0123456789", "--continue-on-error");

        var written = File.ReadAllText(folder.Combine("x.ipynb")) + File.ReadAllText(folder.Combine("j.xml")) + outcome.Output;
        Assert.DoesNotContain(WireGuardPrivateKey, written, StringComparison.Ordinal);
        Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", written, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-token-value", written, StringComparison.Ordinal);
        Assert.Contains(WireGuardPublicKey, written, StringComparison.Ordinal);
        Assert.Contains($"token length {"fo1_s3cr3t-token-value-0123456789".Length}", written, StringComparison.Ordinal);   // the cell got the real value
        Assert.Contains("[REDACTED:", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Cell_timeout_from_the_command_line_stops_a_runaway_cell_and_still_writes_the_copy()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", Runbook.Dib("Console.WriteLine(\"start\");", "while (true) { }", "1"));

        var outcome = Runbook.Run(folder.Path, "run", "n.dib", "-o", "x.ipynb", "--cell-timeout", "2");

        Assert.Equal(1, outcome.ExitCode);
        var executed = NotebookFile.Read(folder.Combine("x.ipynb"));
        Assert.Equal([CellStatus.Ok, CellStatus.TimedOut, CellStatus.NotRun], executed.Cells.Where(c => c.Kind == CellKind.Code).Select(c => c.Run!.Status));
    }

    [Fact]
    public async Task Sigterm_stops_a_run_with_a_message_and_exit_130_writes_the_copy_so_far_and_leaves_no_kernel()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", Runbook.Dib("Console.WriteLine(\"start\");", "await Task.Delay(120000);"));
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "runbook"), ["run", "n.dib", "-o", "x.ipynb"])
        {
            WorkingDirectory = folder.Path,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new StringBuilder();
        // The first cell's progress line: the second, endless one runs now.
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            stderr.AppendLine(line);
            if (line.Contains("[ 1] ok", StringComparison.Ordinal))
                break;
        }
        var kernels = KernelsOf(process.Id);

        Assert.Equal(0, Processes.Run("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
        stderr.Append(await process.StandardError.ReadToEndAsync());
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "runbook run did not end within 30 s of SIGTERM");

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("runbook: stopped by SIGTERM or Ctrl+C", stderr.ToString(), StringComparison.Ordinal);
        // The executed copy is written all the same: the first cell's output, and the cell that was running named.
        var executed = NotebookFile.Read(folder.Combine("x.ipynb"));
        var code = executed.Cells.Where(c => c.Kind == CellKind.Code && c.Run is not null).ToList();
        Assert.Equal([CellStatus.Ok, CellStatus.Failed], code.Select(c => c.Run!.Status));
        Assert.Contains(code[1].Outputs.OfType<ErrorOutput>(), e => e.Value.Contains("stopped by SIGTERM or Ctrl+C", StringComparison.Ordinal));
        Assert.NotEmpty(kernels);
        // A kernel ends once it sees its parent gone (it watches --parent-pid): soon after, not necessarily before.
        for (var waited = 0; waited < 100 && kernels.Any(Runs); waited++)
            await Task.Delay(100);
        Assert.All(kernels, pid => Assert.False(Runs(pid), $"kernel {pid} still runs 10 s after runbook run ended"));
        _ = await stdout;
    }

    private static bool Runs(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // The kernel processes `runbook run` started: its children whose command line is `runbook kernel …`.
    private static List<int> KernelsOf(int parent) =>
        [.. Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
            .Where(pid =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                    return ppid == parent && File.ReadAllText($"/proc/{pid}/cmdline").Contains("kernel", StringComparison.Ordinal);
                }
                catch (Exception e) when (e is IOException or FormatException)
                {
                    return false;
                }
            })];

    [Fact]
    public void Cells_of_other_kernels_fail_the_run_unless_skipping_is_asked_for()
    {
        using var folder = new TempFolder();
        folder.File("n.dib", "#!csharp\n\n1\n\n#!fsharp\n\nlet x = 1\n");

        Assert.Equal(1, Runbook.Run(folder.Path, "run", "n.dib", "-o", "x.ipynb").ExitCode);
        var skipped = Runbook.Run(folder.Path, "run", "n.dib", "-o", "x.ipynb", "--skip-unsupported-kernels");
        Assert.Equal(0, skipped.ExitCode);
        Assert.Contains("skipped", skipped.Stderr, StringComparison.Ordinal);
    }
}
