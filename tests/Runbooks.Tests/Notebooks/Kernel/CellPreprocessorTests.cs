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
        var cell = PreparedCell.From("var x = 1;\n#!who");

        Assert.Contains("line 2", cell.Unsupported, StringComparison.Ordinal);
        Assert.Contains("#!who", cell.Unsupported, StringComparison.Ordinal);
    }
}
