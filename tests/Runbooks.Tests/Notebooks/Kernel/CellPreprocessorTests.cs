using System.Collections.Immutable;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Tests.Notebooks.Kernel;

public class CellPreprocessorTests
{
    [Fact]
    public void A_reference_to_a_library_the_engine_provides_is_blanked_keeping_line_numbers()
    {
        var cell = PreparedCell.From("#r \"../artifacts/bin/Runbooks/debug/Runbooks.dll\"\nusing Runbooks.Hosts;");

        Assert.Null(cell.Unsupported);
        Assert.Equal("\nusing Runbooks.Hosts;", cell.Code);
    }

    [Fact]
    public void Other_references_reach_the_compiler()
    {
        var cell = PreparedCell.From("#r \"lib/Something.Else.dll\"\n#r \"System.Xml\"");

        Assert.Equal("#r \"lib/Something.Else.dll\"\n#r \"System.Xml\"", cell.Code);
    }

    [Fact]
    public void An_unknown_magic_command_is_named()
    {
        var cell = PreparedCell.From("var x = 1;\n#!lsmagic");

        Assert.Contains("line 2", cell.Unsupported, StringComparison.Ordinal);
        Assert.Contains("#!lsmagic", cell.Unsupported, StringComparison.Ordinal);
    }

    [Fact]
    public void Share_set_and_who_become_one_line_of_csharp_each()
    {
        var values = new KernelValues(["disks", "host"], ImmutableDictionary<string, string>.Empty.Add("config", "a \"quoted\"\nline"));

        var cell = PreparedCell.From("#!share --from csharp disks --as volumes\n#!set --name port --value 22\n#!share --from value config\n#!who", values);

        Assert.Null(cell.Unsupported);
        var lines = cell.Code.Split('\n');
        Assert.Equal("var volumes = disks;", lines[0]);
        Assert.Equal("var port = \"22\";", lines[1]);
        Assert.Equal("var config = \"a \\\"quoted\\\"\\nline\";", lines[2]);
        Assert.Contains("[ disks, host ]", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Share_from_a_kernel_the_engine_lacks_or_an_unknown_value_is_refused_with_the_reason()
    {
        Assert.Contains("no 'pwsh' kernel", PreparedCell.From("#!share --from pwsh x").Unsupported, StringComparison.Ordinal);
        Assert.Contains("no #!value cell named 'data'", PreparedCell.From("#!share --from value data").Unsupported, StringComparison.Ordinal);
        Assert.Contains("parameters cell", PreparedCell.From("#!set --name pw --value @password:Password").Unsupported, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_cell_names_its_text()
    {
        Assert.Equal(("data", "one\ntwo"), MagicCommands.ValueCell("#!value --name data\none\ntwo"));
        Assert.Null(MagicCommands.ValueCell("one\ntwo"));
    }
}
