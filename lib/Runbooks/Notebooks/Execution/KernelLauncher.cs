namespace Runbooks.Notebooks.Execution;

/// <summary>How to start a kernel process: the program and the arguments that come before the kernel's own.</summary>
public sealed record KernelLauncher(string FileName, IReadOnlyList<string> LeadingArguments)
{
    public const string KernelCommand = "kernel";

    /// <summary>
    /// The <c>runbook</c> next to this library (the CLI's apphost, or its dll run by <c>dotnet</c>), so the
    /// kernel is the same build as the engine.
    /// </summary>
    public static KernelLauncher Default()
    {
        var directory = AppContext.BaseDirectory;
        var apphost = Path.Combine(directory, "runbook");
        if (File.Exists(apphost))
            return new KernelLauncher(apphost, [KernelCommand]);
        var dll = Path.Combine(directory, "runbook.dll");
        if (File.Exists(dll))
            return new KernelLauncher(DotnetHost(), [dll, KernelCommand]);
        throw new FileNotFoundException($"no kernel program: neither {apphost} nor {dll} exists. Build lib/Runbooks.Cli (dotnet build), or run the published runbook.");
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
}
