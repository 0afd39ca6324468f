namespace Runbooks.Labs;

/// <summary>A program a lab runs, and the Debian package that ships it (scripts/install-deps.sh lists it).</summary>
/// <param name="Command">A name looked up on the search path, or an absolute path that must exist as is.</param>
/// <param name="Package">The Debian package to install when it is missing.</param>
public sealed record RequiredTool(string Command, string Package)
{
    // Root's PATH has the sbin folders, a user's often does not, and sshd, nft and iptables live there.
    private static readonly string[] s_systemFolders = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The tools of <paramref name="tools"/> found neither on <paramref name="searchPath"/> nor in the system folders.</summary>
    public static IReadOnlyList<RequiredTool> FindMissing(IEnumerable<RequiredTool> tools, string? searchPath)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var folders = (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(s_systemFolders).Distinct().ToList();
        return [.. tools.Where(tool => !IsPresent(tool, folders))];
    }

    /// <summary>"Missing tools: sshd (package openssh-server), nft (package nftables). Install them with …".</summary>
    public static string DescribeMissing(string what, IReadOnlyList<RequiredTool> missing)
    {
        var tools = string.Join(", ", missing.Select(t => $"{t.Command} (package {t.Package})"));
        var packages = string.Join(' ', missing.Select(t => t.Package).Distinct());
        return $"{what} needs tools that are not installed: {tools}. Install them with `scripts/install-deps.sh` "
            + $"(as root; or `apt-get install --no-install-recommends {packages}`).";
    }

    private static bool IsPresent(RequiredTool tool, IReadOnlyList<string> folders) =>
        Path.IsPathRooted(tool.Command)
            ? File.Exists(tool.Command)
            : folders.Any(folder => File.Exists(Path.Combine(folder, tool.Command)));
}
