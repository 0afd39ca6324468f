namespace Runbooks.Tests.Cli;

/// <summary>The real `runbook` program, built next to the tests, run in a folder of the test's own.</summary>
internal static class Runbook
{
    private static string Program => Path.Combine(AppContext.BaseDirectory, "runbook");

    public static Processes.Outcome Run(string folder, params string[] arguments) => Processes.RunIn(folder, null, Program, arguments);

    public static Processes.Outcome RunWithInput(string folder, string input, params string[] arguments) => Processes.RunIn(folder, input, Program, arguments);

    /// <summary>A .dib notebook of C# cells, one per argument.</summary>
    public static string Dib(params string[] cells) => string.Concat(cells.Select(c => $"#!csharp\n\n{c}\n\n"));
}
