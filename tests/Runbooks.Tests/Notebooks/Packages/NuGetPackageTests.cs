using Runbooks.Notebooks;
using Runbooks.Notebooks.Packages;
using Runbooks.Tests.Notebooks.Execution;

namespace Runbooks.Tests.Notebooks.Packages;

public class NuGetPackageTests
{
    [Fact]
    public void Finds_each_package_once_with_or_without_a_version_and_ignores_file_references()
    {
        var packages = NuGetPackage.FindAll([
            "#r \"nuget: Newtonsoft.Json, 13.0.3\"\n#r \"lib/Local.dll\"",
            "  #r \"nuget:CsvHelper\"\n#r \"nuget: newtonsoft.json, 12.0.1\"",
            "// #r \"nuget: Commented.Out\" is prose here, not a directive",
        ]);

        Assert.Equal([new NuGetPackage("Newtonsoft.Json", "13.0.3"), new NuGetPackage("CsvHelper", null)], packages.ToArray());
    }

    [Fact]
    public void Commenting_out_keeps_every_other_line_where_it_was()
    {
        var source = "var a = 1;\n#r \"nuget: Newtonsoft.Json, 13.0.3\"\nvar b = 2;";

        var rewritten = NuGetPackage.CommentOut(source).Split('\n');

        Assert.Equal(3, rewritten.Length);
        Assert.StartsWith("// #r \"nuget: Newtonsoft.Json, 13.0.3\"", rewritten[1], StringComparison.Ordinal);
        Assert.Equal("var b = 2;", rewritten[2]);
    }

    [Fact]
    public async Task A_package_is_restored_before_the_first_cell_and_usable_in_every_cell_with_true_line_numbers()
    {
        var result = await Engine.RunAsync(Engine.Cells(
            "#r \"nuget: Newtonsoft.Json, 13.0.3\"\nusing Newtonsoft.Json;\nvar x = 1;",
            "Console.WriteLine(JsonConvert.SerializeObject(new { disks = 4 }));",
            "var y = 2;\n#r \"nuget: Newtonsoft.Json, 13.0.3\"\nthrow new Exception(\"on line 3\");"));

        Assert.Equal("{\"disks\":4}\n", result.CodeCell(1).Stdout());
        Assert.Equal(3, result.FirstFailure!.ErrorLine);
        Assert.Equal(3, result.FirstFailure.Number);
    }

    [Fact]
    public async Task A_package_that_does_not_exist_fails_the_cell_asking_for_it_by_name()
    {
        var result = await Engine.RunAsync(Engine.Cells("var ok = 1;", "#r \"nuget: Runbooks.No.Such.Package, 9.9.9\"", "ok"));

        Assert.Equal([CellStatus.Ok, CellStatus.Failed, CellStatus.NotRun], result.Cells.Select(c => c.Status));
        Assert.Contains("could not restore Runbooks.No.Such.Package 9.9.9", result.Cells[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_restore_of_the_same_packages_comes_from_the_cache()
    {
        var first = await PackageRestorer.RestoreAsync([new NuGetPackage("Newtonsoft.Json", "13.0.3")]);
        var files = Directory.GetFiles(PackageRestorer.CacheRoot, "assemblies.txt", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("newtonsoft.json", StringComparison.OrdinalIgnoreCase)).ToList();
        var stamp = files.Select(File.GetLastWriteTimeUtc).Max();

        var second = await PackageRestorer.RestoreAsync([new NuGetPackage("newtonsoft.json", "13.0.3")]);

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Contains(first, path => path.EndsWith("Newtonsoft.Json.dll", StringComparison.Ordinal) && File.Exists(path));
        Assert.Equal(stamp, files.Select(File.GetLastWriteTimeUtc).Max());
    }
}
