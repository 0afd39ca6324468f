using System.Diagnostics;
using Runbooks.Labs.Network;

namespace Runbooks.Labs.Tests.Network;

/// <summary>
/// Looks at the real system for anything of the network lab: its holders, any process in a namespace of its
/// machines (sshd, wireguard-go, python), any mount of its state folder in any namespace, its links, its nft
/// table, its state folder. Other engineers' processes on this machine (even ones also called wireguard-go or
/// python3) are not the lab's and are not looked at by name.
/// </summary>
internal static class LabLeftovers
{
    private static readonly string[] s_links = ["rb-6pn", "rb-wg-server", "rb-wg-client"];

    /// <summary>The namespaces (as <c>pid:[inode]</c>, <c>mnt:[inode]</c>, <c>net:[inode]</c>) of the running lab's machines.</summary>
    public static IReadOnlySet<string> NamespacesOf(NetworkLabState state) =>
        state.Machines
            .SelectMany(m => new[] { "pid", "mnt", "net" }.Select(ns => Link($"/proc/{m.HolderPid}/ns/{ns}")))
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>A description of each thing of the lab still present; empty when it is all gone.</summary>
    /// <param name="namespaces">Namespaces recorded with <see cref="NamespacesOf"/> while the lab ran.</param>
    public static IReadOnlyList<string> Find(IReadOnlySet<string>? namespaces = null)
    {
        var left = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            var pid = Path.GetFileName(dir);
            var commandLine = Read($"{dir}/cmdline")?.Replace('\0', ' ').Trim();
            if (commandLine is null)
                continue;
            if (commandLine.Contains("runbook-lab-holder:network:", StringComparison.Ordinal) && !commandLine.Contains("network-lab.sh", StringComparison.Ordinal))
                left.Add($"holder process {pid}: {commandLine}");
            else if (namespaces is not null && new[] { "pid", "mnt", "net" }.Select(ns => Link($"{dir}/ns/{ns}")).FirstOrDefault(l => l is not null && namespaces.Contains(l)) is { } shared)
                left.Add($"process {pid} in the lab's namespace {shared}: {commandLine}");
            else if (Read($"{dir}/mountinfo") is { } mounts && mounts.Contains(NetworkLab.StateFolder, StringComparison.Ordinal))
                left.Add($"process {pid} still has mounts of {NetworkLab.StateFolder}: {commandLine}");
        }

        var links = Run("ip", "-o", "link", "show");
        left.AddRange(s_links.Where(link => links.Contains($": {link}:", StringComparison.Ordinal) || links.Contains($": {link}@", StringComparison.Ordinal)).Select(link => $"link {link}"));
        if (Run("nft", "list", "tables").Contains("runbook_lab_6pn", StringComparison.Ordinal))
            left.Add("nft table bridge runbook_lab_6pn");
        if (Directory.Exists(NetworkLab.StateFolder))
            left.Add($"state folder {NetworkLab.StateFolder}");
        return left;
    }

    /// <summary>Fails the test with every leftover named.</summary>
    public static void AssertNone(IReadOnlySet<string>? namespaces = null)
    {
        var left = Find(namespaces);
        Assert.True(left.Count == 0, "left behind by the network lab:\n" + string.Join('\n', left));
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process ended while we looked
        }
    }

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
