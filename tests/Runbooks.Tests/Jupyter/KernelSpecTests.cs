using System.Text.Json.Nodes;
using Runbooks.Jupyter;
using Runbooks.Tests.Cli;

namespace Runbooks.Tests.Jupyter;

public class KernelSpecTests
{
    [Fact]
    public void Kernel_install_with_a_prefix_writes_kernel_json_that_starts_this_runbook_and_the_logo()
    {
        using var work = new TempFolder();
        var prefix = work.Combine("env");
        var install = Runbook.Run(work.Path, "kernel", "install", "--prefix", prefix);
        Assert.True(install.ExitCode == 0, install.Output);

        var folder = Path.Combine(prefix, "share", "jupyter", "kernels", KernelSpec.Name);
        Assert.Contains(folder, install.Stdout);
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "kernel.json")))!;
        var argv = spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.True(File.Exists(argv[0]), $"kernel.json starts {argv[0]}, which does not exist");
        Assert.Equal(["kernel", "jupyter", "--connection-file", "{connection_file}"], argv[^4..]);
        Assert.Equal("csharp", spec["language"]!.GetValue<string>());
        Assert.Equal("message", spec["interrupt_mode"]!.GetValue<string>());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(folder, "logo-64x64.png"))[..4]);
    }

    [Fact]
    public void Kernel_install_refuses_two_locations_at_once()
    {
        using var work = new TempFolder();
        var install = Runbook.Run(work.Path, "kernel", "install", "--user", "--prefix", work.Combine("env"));
        Assert.Equal(2, install.ExitCode);
        Assert.Contains("choose one of --user, --sys-prefix and --prefix", install.Stderr);
        Assert.False(Directory.Exists(work.Combine("env")));
    }

    [Fact]
    public void Every_runbook_names_the_runbook_kernelspec_and_keeps_its_polyglot_metadata()
    {
        foreach (var path in Directory.EnumerateFiles(Path.Combine(JupyterClients.RepositoryRoot, "runbooks"), "*.ipynb"))
        {
            var metadata = JsonNode.Parse(File.ReadAllText(path))!["metadata"]!;
            Assert.Equal(KernelSpec.Name, metadata["kernelspec"]!["name"]!.GetValue<string>());
            Assert.Equal("C#", metadata["kernelspec"]!["language"]!.GetValue<string>());
            Assert.Equal("csharp", metadata["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
        }
    }
}
