using System.Text.Json;
using System.Text.RegularExpressions;

namespace Runbooks.Tests.Devcontainer;

/// <summary>
/// Checks .devcontainer/ and scripts/install-deps.sh without a Docker engine: CI cannot build the
/// image, so these tests read the files the image is built from and check what they promise.
/// </summary>
public sealed partial class DevcontainerTests
{
    private static readonly string Root = RepoFiles.Root;
    private static readonly string DevcontainerDir = Path.Combine(Root, ".devcontainer");
    private static readonly string DevcontainerJson = Path.Combine(DevcontainerDir, "devcontainer.json");
    private static readonly string Script = Path.Combine(Root, "scripts", "install-deps.sh");

    /// <summary>
    /// Top-level properties of the Dev Container spec (devcontainer.json reference) that this repo
    /// uses or that are common enough to be expected; anything else is most likely a typo, which
    /// VS Code would silently ignore.
    /// </summary>
    internal static readonly HashSet<string> KnownTopLevelProperties = new(StringComparer.Ordinal)
    {
        "$schema", "name",
        // how the container is made
        "image", "build", "dockerFile", "context", "dockerComposeFile", "service", "runServices",
        "features", "overrideFeatureInstallOrder",
        // how it runs
        "workspaceFolder", "workspaceMount", "mounts", "runArgs", "appPort", "forwardPorts",
        "portsAttributes", "otherPortsAttributes", "containerEnv", "remoteEnv", "containerUser",
        "remoteUser", "updateRemoteUserUID", "userEnvProbe", "overrideCommand", "shutdownAction",
        "init", "privileged", "capAdd", "securityOpt", "hostRequirements",
        // lifecycle
        "initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand",
        "postStartCommand", "postAttachCommand", "waitFor",
        // tools
        "customizations",
    };

    internal static readonly string[] RequiredExtensions =
    [
        "ms-dotnettools.dotnet-interactive-vscode", // Polyglot Notebooks
        "ms-dotnettools.csdevkit",
        "ms-dotnettools.csharp",
        "ms-toolsai.jupyter", // Jupyter: the runbook kernel through its kernelspec
    ];

    /// <summary>Every command the runbooks call, and the Debian 12 package that ships it.</summary>
    public static TheoryData<string, string> RunbookTools => new()
    {
        { "ssh", "openssh-client" },
        { "sshd", "openssh-server" },
        { "wg", "wireguard-tools" },
        { "wireguard-go", "wireguard-go" },
        { "ip", "iproute2" },
        { "iptables", "iptables" },
        { "ip6tables", "iptables" },
        { "nft", "nftables" },
        { "ping", "iputils-ping" },
        { "curl", "curl" },
        { "lvm", "lvm2" },
        { "lvs", "lvm2" },
    };

    // ---- devcontainer.json ----------------------------------------------------------------

    [Fact]
    public void DevcontainerJson_IsValidJsonc()
    {
        using var doc = LoadDevcontainer();
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
    }

    [Fact]
    public void DevcontainerJson_HasOnlyKnownTopLevelProperties()
    {
        using var doc = LoadDevcontainer();
        var unknown = UnknownTopLevelProperties(doc.RootElement);
        Assert.True(unknown.Count == 0,
            $"devcontainer.json has unknown top-level properties: {string.Join(", ", unknown)}. " +
            "Misspelled? If it is a real Dev Container property, add it to KnownTopLevelProperties.");
    }

    [Fact]
    public void UnknownTopLevelProperties_NamesAMisspelledProperty()
    {
        const string text = """
            // a comment
            {
              "name": "x",
              "runArg": ["--cap-add=NET_ADMIN"], // misspelled
              "remoteUser": "vscode",
            }
            """;
        using var doc = ParseJsonc(text);
        Assert.Equal(["runArg"], UnknownTopLevelProperties(doc.RootElement));
    }

    [Fact]
    public void ParseJsonc_RejectsBrokenJson()
    {
        Assert.ThrowsAny<JsonException>(() => ParseJsonc("{ \"name\": \"x\" \"image\": \"y\" }").Dispose());
    }

    [Fact]
    public void DevcontainerJson_ListsTheRequiredExtensions()
    {
        using var doc = LoadDevcontainer();
        Assert.True(doc.RootElement.TryGetProperty("customizations", out var c)
            && c.TryGetProperty("vscode", out var vs)
            && vs.TryGetProperty("extensions", out var ext)
            && ext.ValueKind == JsonValueKind.Array,
            "devcontainer.json needs customizations.vscode.extensions (an array)");
        var listed = doc.RootElement.GetProperty("customizations").GetProperty("vscode")
            .GetProperty("extensions").EnumerateArray().Select(e => e.GetString() ?? "")
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = RequiredExtensions.Where(e => !listed.Contains(e)).ToList();
        Assert.True(missing.Count == 0, $"devcontainer.json does not list extensions: {string.Join(", ", missing)}");
    }

    [Fact]
    public void DevcontainerJson_RunArgs_GrantWhatTheNetworkLabTwinNeeds()
    {
        using var doc = LoadDevcontainer();
        Assert.True(doc.RootElement.TryGetProperty("runArgs", out var runArgs) && runArgs.ValueKind == JsonValueKind.Array,
            "devcontainer.json needs runArgs (an array)");
        var args = NormaliseRunArgs(runArgs.EnumerateArray().Select(a => a.GetString() ?? ""));

        Assert.True(HasCap(args, "NET_ADMIN"), "runArgs must add NET_ADMIN (interfaces, routes, firewall rules, wg)");
        Assert.True(HasCap(args, "SYS_ADMIN"),
            "runArgs must add SYS_ADMIN: creating a network namespace (ip netns add, unshare --net) needs it");
        Assert.True(args.Any(a => a.Key == "--device" && a.Value.Split(':')[0] == "/dev/net/tun"),
            "runArgs must pass --device=/dev/net/tun (wireguard-go needs the TUN device)");
    }

    [Fact]
    public void DevcontainerJson_UserWorkspaceAndPostCreate()
    {
        using var doc = LoadDevcontainer();
        var root = doc.RootElement;
        Assert.Equal("vscode", root.TryGetProperty("remoteUser", out var u) ? u.GetString() : null);
        Assert.True(root.TryGetProperty("workspaceFolder", out var wf) && !string.IsNullOrWhiteSpace(wf.GetString()),
            "devcontainer.json should set workspaceFolder");
        Assert.True(root.TryGetProperty("postCreateCommand", out var pc), "devcontainer.json needs a postCreateCommand");
        var command = string.Join(" ", AllStrings(pc));
        Assert.Contains("dotnet build Runbooks.sln", command, StringComparison.Ordinal);
        // The build's own runbook installs the Jupyter kernelspec, so VS Code's Jupyter extension finds the kernel.
        Assert.Contains("artifacts/bin/Runbooks.Cli/debug/runbook kernel install --user", command, StringComparison.Ordinal);
    }

    [Fact]
    public void DevcontainerJson_DependsOnNothingOutsideTheRepository()
    {
        using var doc = LoadDevcontainer();
        var outside = AllStrings(doc.RootElement)
            .Where(s => s.Contains("../shared", StringComparison.Ordinal) || s.Contains("..\\shared", StringComparison.Ordinal))
            .ToList();
        Assert.True(outside.Count == 0, $"devcontainer.json refers to ../shared/, which is not part of the repo: {string.Join(", ", outside)}");

        var context = Path.GetFullPath(Path.Combine(DevcontainerDir, BuildProperty(doc.RootElement, "context") ?? "."));
        Assert.True(IsUnder(context, Root), $"build.context resolves to {context}, outside the repository {Root}");
    }

    // ---- Dockerfile -----------------------------------------------------------------------

    [Fact]
    public void Dockerfile_Exists_AndRunsInstallDeps()
    {
        using var doc = LoadDevcontainer();
        var dockerfileName = BuildProperty(doc.RootElement, "dockerfile");
        Assert.False(string.IsNullOrEmpty(dockerfileName), "devcontainer.json needs build.dockerfile");
        var dockerfile = Path.GetFullPath(Path.Combine(DevcontainerDir, dockerfileName!));
        Assert.True(File.Exists(dockerfile), $"the Dockerfile devcontainer.json names does not exist: {dockerfile}");

        var instructions = DockerfileInstructions(File.ReadAllText(dockerfile));
        var context = Path.GetFullPath(Path.Combine(DevcontainerDir, BuildProperty(doc.RootElement, "context") ?? "."));

        // The script is copied in from the build context, and that path exists there.
        var copy = instructions.FirstOrDefault(i =>
            i.Keyword is "COPY" or "ADD" && i.Arguments.Contains("scripts/install-deps.sh", StringComparison.Ordinal));
        Assert.True(copy is not null, "the Dockerfile must COPY scripts/install-deps.sh into the image");
        Assert.True(File.Exists(Path.Combine(context, "scripts", "install-deps.sh")),
            $"scripts/install-deps.sh is not in the build context {context}");

        // ... and run for the tools group (no group means tools; all includes it).
        var run = instructions.FirstOrDefault(i => i.Keyword == "RUN" && i.Arguments.Contains("install-deps.sh", StringComparison.Ordinal));
        Assert.True(run is not null, "the Dockerfile must RUN install-deps.sh");
        var m = InstallDepsCall().Match(run!.Arguments);
        var group = m.Groups["group"].Success ? m.Groups["group"].Value : "tools";
        Assert.True(group is "tools" or "all", $"the Dockerfile runs install-deps.sh for '{group}', not for tools");

        // The script's packages are Debian 12's: the image the script runs in must be bookworm.
        var lastFrom = instructions.Last(i => i.Keyword == "FROM");
        Assert.Contains("bookworm", lastFrom.Arguments, StringComparison.Ordinal);
    }

    // ---- scripts/install-deps.sh ----------------------------------------------------------

    [Theory]
    [MemberData(nameof(RunbookTools))]
    public void EveryRunbookTool_IsProvidedByTheToolsGroup(string tool, string package)
    {
        var tools = InstallDepsGroups()["TOOLS"];
        Assert.True(tools.Contains(package),
            $"'{tool}' comes from the Debian package '{package}', which is not in TOOLS_PACKAGES of scripts/install-deps.sh");
    }

    /// <summary>
    /// Guards the tool-to-package table above against the real packages where they are installed
    /// (CI runs install-deps.sh tools on its host first); a package not installed is not checked.
    /// </summary>
    [Theory]
    [MemberData(nameof(RunbookTools))]
    public async Task InstalledPackage_ReallyShipsTheTool(string tool, string package)
    {
        if (!File.Exists("/usr/bin/dpkg-query"))
            return;
        var status = await Run("/usr/bin/dpkg-query", "-W", "-f=${Status}", package);
        if (status.ExitCode != 0 || !status.Stdout.EndsWith(" ok installed", StringComparison.Ordinal))
            return;
        var files = await Run("/usr/bin/dpkg-query", "-L", package);
        Assert.Equal(0, files.ExitCode);
        var shipped = files.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Either the package ships bin/TOOL itself, or TOOL is an alternatives link (iptables ->
        // /etc/alternatives/iptables -> xtables-nft-multi) to a program the package ships.
        var names = new List<string> { tool };
        foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
        {
            var onDisk = new FileInfo(Path.Combine(dir, tool));
            if (onDisk.Exists && onDisk.LinkTarget is not null && onDisk.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                names.Add(target.Name);
        }
        var ships = shipped.Any(f => names.Any(n => f.EndsWith("/bin/" + n, StringComparison.Ordinal)
                                                   || f.EndsWith("/sbin/" + n, StringComparison.Ordinal)));
        Assert.True(ships, $"the installed package '{package}' ships no bin/{tool} or sbin/{tool} (nor what it links to)");
    }

    [Fact]
    public void Script_HasToolsAndBenchGroups()
    {
        var groups = InstallDepsGroups();
        Assert.Contains("TOOLS", groups.Keys);
        Assert.Contains("BENCH", groups.Keys);
        Assert.Equal(["python3-ipykernel", "python3-nbclient", "python3-nbformat"], groups["BENCH"].Order(StringComparer.Ordinal));
        Assert.All(groups.Values.SelectMany(p => p), p => Assert.Matches("^[a-z0-9][a-z0-9+.-]+$", p));
    }

    [Fact]
    public void ParsePackageArrays_ReadsMultiAndSingleLineArrays()
    {
        const string text = """
            #!/usr/bin/env bash
            FOO_PACKAGES=(
              a-b   # comment with words
              c d
            )
            BAR_PACKAGES=(x y) # trailing
            OTHER=(not packages)
            """;
        var groups = ParsePackageArrays(text);
        Assert.Equal(["a-b", "c", "d"], groups["FOO"]);
        Assert.Equal(["x", "y"], groups["BAR"]);
        Assert.Equal(2, groups.Count);
    }

    [Fact]
    public async Task Script_SyntaxIsValid()
    {
        var r = await Run("bash", "-n", Script);
        Assert.True(r.ExitCode == 0, $"bash -n scripts/install-deps.sh failed: {r.Stderr}");
    }

    [Fact]
    public async Task Script_Help_ExitsZero()
    {
        var r = await Run(Script, "--help");
        Assert.True(r.ExitCode == 0, $"--help exited {r.ExitCode}: {r.Stderr}");
        Assert.Contains("usage:", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_UnknownGroup_ExitsTwoAndNamesIt()
    {
        var r = await Run(Script, "nosuchgroup");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'nosuchgroup'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage:", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The parser in these tests and bash agree on what each group holds.</summary>
    [Theory]
    [InlineData("tools", new[] { "TOOLS" })]
    [InlineData("bench", new[] { "BENCH" })]
    [InlineData("jupyter", new[] { "JUPYTER" })]
    [InlineData("all", new[] { "TOOLS", "BENCH", "JUPYTER" })]
    public async Task Script_List_MatchesTheParsedArrays(string group, string[] arrays)
    {
        var r = await Run(Script, "--list", group);
        Assert.True(r.ExitCode == 0, $"--list {group} exited {r.ExitCode}: {r.Stderr}");
        var parsed = InstallDepsGroups();
        var expected = arrays.SelectMany(a => parsed[a]).Distinct().ToList();
        Assert.Equal(expected, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    // ---- helpers --------------------------------------------------------------------------

    private static readonly JsonDocumentOptions JsoncOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    internal static JsonDocument ParseJsonc(string text) => JsonDocument.Parse(text, JsoncOptions);

    private static JsonDocument LoadDevcontainer()
    {
        Assert.True(File.Exists(DevcontainerJson), $"missing {DevcontainerJson}");
        try
        {
            return ParseJsonc(File.ReadAllText(DevcontainerJson));
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($".devcontainer/devcontainer.json is not valid JSONC: {e.Message}");
        }
    }

    internal static List<string> UnknownTopLevelProperties(JsonElement root) =>
        root.EnumerateObject().Select(p => p.Name).Where(n => !KnownTopLevelProperties.Contains(n)).ToList();

    private static string? BuildProperty(JsonElement root, string name) =>
        root.TryGetProperty("build", out var b) && b.ValueKind == JsonValueKind.Object
            && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    private static IEnumerable<string> AllStrings(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                yield return e.GetString() ?? "";
                break;
            case JsonValueKind.Array:
                foreach (var s in e.EnumerateArray().SelectMany(AllStrings))
                    yield return s;
                break;
            case JsonValueKind.Object:
                foreach (var s in e.EnumerateObject().SelectMany(p => AllStrings(p.Value)))
                    yield return s;
                break;
        }
    }

    /// <summary>docker run arguments as (flag, value): "--x=v" and "--x", "v" both give (--x, v).</summary>
    private static List<KeyValuePair<string, string>> NormaliseRunArgs(IEnumerable<string> runArgs)
    {
        var result = new List<KeyValuePair<string, string>>();
        var list = runArgs.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                result.Add(new(a[..eq], a[(eq + 1)..]));
            else if (a.StartsWith('-') && i + 1 < list.Count && !list[i + 1].StartsWith('-'))
                result.Add(new(a, list[++i]));
            else
                result.Add(new(a, ""));
        }
        return result;
    }

    private static bool HasCap(List<KeyValuePair<string, string>> args, string cap) =>
        args.Any(a => a.Key == "--cap-add"
            && (a.Value.Equals(cap, StringComparison.OrdinalIgnoreCase)
                || a.Value.Equals("CAP_" + cap, StringComparison.OrdinalIgnoreCase)
                || a.Value.Equals("ALL", StringComparison.OrdinalIgnoreCase)))
        || args.Any(a => a.Key == "--privileged");

    private static bool IsUnder(string path, string root)
    {
        var p = Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar;
        var r = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        return p.StartsWith(r, StringComparison.Ordinal);
    }

    internal sealed record DockerInstruction(string Keyword, string Arguments);

    /// <summary>Dockerfile instructions with continuation lines joined and comments dropped.</summary>
    internal static List<DockerInstruction> DockerfileInstructions(string text)
    {
        var result = new List<DockerInstruction>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
                continue;
            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }
            current += line;
            var trimmed = current.Trim();
            current = "";
            if (trimmed.Length == 0)
                continue;
            var space = trimmed.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? trimmed : trimmed[..space]).ToUpperInvariant();
            result.Add(new DockerInstruction(keyword, space < 0 ? "" : trimmed[(space + 1)..].Trim()));
        }
        return result;
    }

    private static Dictionary<string, List<string>> InstallDepsGroups()
    {
        Assert.True(File.Exists(Script), $"missing {Script}");
        return ParsePackageArrays(File.ReadAllText(Script));
    }

    /// <summary>
    /// Reads the script's <c>NAME_PACKAGES=( ... )</c> arrays: package names separated by blanks
    /// and new lines, each line's "# comment" ignored. Returns NAME → packages.
    /// </summary>
    internal static Dictionary<string, List<string>> ParsePackageArrays(string text)
    {
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? open = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = StripComment(raw.TrimEnd('\r'));
            if (open is null)
            {
                var m = PackageArrayStart().Match(line);
                if (!m.Success)
                    continue;
                open = groups[m.Groups["name"].Value] = [];
                line = m.Groups["rest"].Value;
            }
            var close = line.IndexOf(')', StringComparison.Ordinal);
            open.AddRange((close < 0 ? line : line[..close]).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
            if (close >= 0)
                open = null;
        }
        return groups;

        static string StripComment(string line)
        {
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            return hash < 0 ? line : line[..hash];
        }
    }

    [GeneratedRegex(@"^\s*(?<name>[A-Z][A-Z0-9_]*)_PACKAGES=\((?<rest>.*)$")]
    private static partial Regex PackageArrayStart();

    [GeneratedRegex(@"install-deps\.sh(?:\s+(?<group>[a-z]+))?")]
    private static partial Regex InstallDepsCall();

    private static Task<Processes.Outcome> Run(string file, params string[] args) =>
        Task.FromResult(Processes.RunIn(Root, null, file, args));
}

/// <summary>Finds the repository root: the folder holding Runbooks.sln, above the test binaries.</summary>
internal static class RepoFiles
{
    public static readonly string Root = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Runbooks.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Runbooks.sln in {AppContext.BaseDirectory} or any folder above it");
    }
}
