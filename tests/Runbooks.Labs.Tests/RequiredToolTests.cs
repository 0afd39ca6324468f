namespace Runbooks.Labs.Tests;

public sealed class RequiredToolTests
{
    [Fact]
    public void FindMissing_LooksOnTheSearchPathAndInTheSystemFolders_AndTakesAbsolutePathsAsTheyAre()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "only-here"), "");
        RequiredTool[] tools = [new("only-here", "pkg-a"), new("sh", "dash"), new("no-such-tool-anywhere", "pkg-b"), new("/no/such/python3", "python3"), new("/bin/sh", "dash")];

        var missing = RequiredTool.FindMissing(tools, $"/nonexistent:{folder.Path}");

        Assert.Equal(["no-such-tool-anywhere", "/no/such/python3"], missing.Select(t => t.Command));
    }

    [Fact]
    public void DescribeMissing_NamesEachToolItsPackageAndTheInstallScript()
    {
        var message = RequiredTool.DescribeMissing("the network lab", [new("sshd", "openssh-server"), new("wg", "wireguard-tools"), new("wg-quick", "wireguard-tools")]);

        Assert.Equal(
            "the network lab needs tools that are not installed: sshd (package openssh-server), wg (package wireguard-tools), wg-quick (package wireguard-tools). "
            + "Install them with `scripts/install-deps.sh` (as root; or `apt-get install --no-install-recommends openssh-server wireguard-tools`).",
            message);
    }
}
