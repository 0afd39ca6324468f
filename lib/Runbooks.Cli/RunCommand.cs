using System.CommandLine;
using Runbooks.Notebooks.Execution;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Cli;

internal static class RunCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("notebook");
        var output = new Option<string>("--output", "-o");
        var command = new Command("run", "Execute a runbook.");
        command.Arguments.Add(target);
        command.Options.Add(output);
        command.SetAction(async (result, ct) =>
        {
            var path = Path.GetFullPath(result.GetValue(target)!);
            var notebook = NotebookFile.Read(path);
            var run = await new NotebookExecutor(new ExecutionOptions()).ExecuteAsync(notebook, Path.GetDirectoryName(path)!, ct);
            NotebookFile.WriteIpynb(run.Executed, result.GetValue(output)!);
            foreach (var c in run.Cells) Console.WriteLine($"{c.Number} {c.Status} {c.Duration.TotalMilliseconds:0} {c.Error}");
            Console.WriteLine($"total {run.Duration.TotalMilliseconds:0} ms");
            return run.Succeeded ? 0 : 1;
        });
        return command;
    }
}
