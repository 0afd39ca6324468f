using System.CommandLine;
using System.Text.RegularExpressions;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Execution;
using Runbooks.Notebooks.Formats;
using Runbooks.Notebooks.Runs;

namespace Runbooks.Cli;

/// <summary>
/// `runbook step`: walk through a runbook in a terminal (a jump box without VS Code): each markdown cell is
/// shown, each code cell is shown and then run, skipped or the walk ended on the engineer's word, and its
/// output printed. Answers may come from a pipe, so the same walk can be scripted.
/// </summary>
internal static partial class StepCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("notebook") { Description = "A notebook path or a name from nbconfig.json." };
        var profile = new Option<string?>("--profile") { Description = "The nbconfig.json profile whose parameters to inject." };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "A parameter value, name=value. Repeatable." };
        var output = new Option<string?>("--output", "-o") { Description = "Where the executed copy goes (default: the artifacts folder)." };
        var command = new Command("step", "Step through a runbook in the terminal: run, skip or quit at each code cell.");
        command.Arguments.Add(target);
        command.Options.Add(profile);
        command.Options.Add(parameters);
        command.Options.Add(output);
        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var planner = CliContext.Planner(result);
            var run = planner.Prepare(new RunRequest
            {
                Target = result.GetValue(target)!,
                Profile = result.GetValue(profile),
                Parameters = RunCommand.ParseParameters(result.GetValue(parameters) ?? []),
                Output = result.GetValue(output),
            }, new ExecutionOptions());
            var walk = new Walk(Console.Out, Console.In, !Console.IsOutputRedirected);
            var executed = await new NotebookExecutor(run.Options with { Gate = walk.Decide, Observer = walk })
                .ExecuteAsync(run.Notebook, Path.GetDirectoryName(run.SourcePath)!, cancellationToken).ConfigureAwait(false);
            NotebookFile.WriteIpynb(executed.Executed, run.OutputPath);
            Console.WriteLine($"executed copy: {Path.GetRelativePath(Environment.CurrentDirectory, run.OutputPath)}");
            return executed.Succeeded ? CliContext.Succeeded : CliContext.RunbookFailed;
        }));
        return command;
    }

    private sealed class Walk(TextWriter output, TextReader input, bool color) : IExecutionObserver
    {
        private bool _runAll;

        public CellDecision Decide(int number, int total, NotebookCell cell)
        {
            output.WriteLine();
            if (cell.Kind != CellKind.Code)
            {
                output.WriteLine(RenderMarkdown(cell.Source, color));
                return CellDecision.Run;
            }
            output.WriteLine(Style($"── cell {number}/{total} ({cell.Language}) ──", "1;36"));
            foreach (var line in cell.Source.ReplaceLineEndings("\n").Split('\n'))
                output.WriteLine(Style("│ ", "2") + line);
            if (_runAll)
                return CellDecision.Run;
            while (true)
            {
                output.Write("[r]un  [s]kip  [a]ll the rest  [q]uit  (r): ");
                output.Flush();
                var answer = input.ReadLine();
                switch (answer?.Trim().ToLowerInvariant())
                {
                    case null:
                        output.WriteLine();
                        return CellDecision.Stop;
                    case "" or "r" or "run":
                        return CellDecision.Run;
                    case "s" or "skip":
                        return CellDecision.Skip;
                    case "a" or "all":
                        _runAll = true;
                        return CellDecision.Run;
                    case "q" or "quit":
                        return CellDecision.Stop;
                    default:
                        output.WriteLine($"'{answer}' is not an answer here.");
                        break;
                }
            }
        }

        public void CellStarted(int number, int total, NotebookCell cell)
        {
        }

        public void CellFinished(CellResult result)
        {
            foreach (var o in result.Outputs)
                output.Write(Render(o));
            var status = Ipynb.StatusName(result.Status);
            output.WriteLine(Style($"   {status} in {result.Duration.TotalSeconds:0.00}s", result.IsFailure ? "1;31" : "32"));
        }

        private string Render(CellOutput cellOutput) => cellOutput switch
        {
            StreamOutput s => s.Name == StreamOutput.StandardError ? Style(s.Text, "33") : s.Text,
            DisplayOutput d => (d.Text("text/plain") ?? StripTags(d.Text("text/html") ?? string.Empty)) + "\n",
            ErrorOutput e => Style(string.Join('\n', e.Traceback) + "\n", "31"),
            _ => string.Empty,
        };

        private string Style(string text, string code) => color ? $"\u001b[{code}m{text}\u001b[0m" : text;

        private static string StripTags(string html) => Tags().Replace(html.Replace("</tr>", "\n", StringComparison.Ordinal).Replace("</td>", "  ", StringComparison.Ordinal).Replace("</th>", "  ", StringComparison.Ordinal), string.Empty);
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    /// <summary>Markdown for a terminal: headings bold, code spans kept, emphasis marks dropped.</summary>
    public static string RenderMarkdown(string markdown, bool color)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n').Select(line =>
        {
            var heading = Heading().Match(line);
            if (heading.Success)
                return color ? $"\u001b[1;4m{heading.Groups[2].Value}\u001b[0m" : heading.Groups[2].Value.ToUpperInvariant();
            return Emphasis().Replace(line, "$2");
        });
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^(#{1,6})\s+(.*)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"(\*\*|__|\*|_)(\S(?:.*?\S)?)\1")]
    private static partial Regex Emphasis();
}
