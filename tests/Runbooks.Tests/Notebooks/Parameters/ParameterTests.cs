using System.Text.Json;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Parameters;
using Runbooks.Tests.Notebooks.Execution;

namespace Runbooks.Tests.Notebooks.Parameters;

public class ParameterTests
{
    private const string Defaults = """
        string host = "client";   // the machine to repair
        var port = 22;
        bool check = true;
        double ratio = 0.8;
        TimeSpan wait = TimeSpan.FromSeconds(5);
        string[] peers = new[] { "a" };
        var tags = new[] { "x", "y" };
        long bytes = 1887436800L;
        """;

    private static Notebook WithParameters() => Engine.Cells(Defaults, "Console.WriteLine($\"{host}:{port} {check} {ratio} {wait.TotalSeconds} {string.Join('+', peers)} {bytes}\");") is var n
        ? n.WithCells(n.Cells.SetItem(0, n.Cells[0] with { Tags = ["parameters"] }))
        : throw new InvalidOperationException();

    [Fact]
    public void Describe_lists_names_types_defaults_and_comments()
    {
        var parameters = NotebookParameter.ParseCell(Defaults);

        Assert.Equal(["host", "port", "check", "ratio", "wait", "peers", "tags", "bytes"], parameters.Select(p => p.Name));
        Assert.Equal(["string", "int", "bool", "double", "TimeSpan", "string[]", "string[]", "long"], parameters.Select(p => p.TypeName));
        Assert.Equal("\"client\"", parameters[0].DefaultExpression);
        Assert.Equal("the machine to repair", parameters[0].Description);
    }

    [Fact]
    public async Task Injected_values_follow_the_parameters_cell_and_win_over_defaults()
    {
        var values = new List<KeyValuePair<string, ParameterValue>>
        {
            new("host", ParameterValue.FromJson(JsonDocument.Parse("\"fdaa::2\"").RootElement)),
            new("port", ParameterValue.FromJson(JsonDocument.Parse("2222").RootElement)),
            new("peers", ParameterValue.FromJson(JsonDocument.Parse("[\"s1\", \"s2\"]").RootElement)),
            new("check", ParameterValue.FromText("false")),
            new("ratio", ParameterValue.FromText("0.95")),
            new("wait", ParameterValue.FromText("90")),
            new("bytes", ParameterValue.FromText("5000000000")),
        };
        var notebook = ParameterInjector.Inject(WithParameters(), values, "test");

        Assert.True(notebook.Cells[1].HasTag(NotebookParameter.InjectedTag));
        var result = await Engine.RunAsync(notebook);
        Assert.True(result.Succeeded, result.FirstFailure?.Error);
        Assert.Equal("fdaa::2:2222 False 0.95 90 s1+s2 5000000000\n", result.CodeCell(2).Stdout());
    }

    [Fact]
    public void Injecting_again_replaces_the_earlier_injected_cell()
    {
        var once = ParameterInjector.Inject(WithParameters(), [new("host", ParameterValue.FromText("a"))], "first");
        var twice = ParameterInjector.Inject(once, [new("host", ParameterValue.FromText("b"))], "second");

        var injected = Assert.Single(twice.Cells, c => c.HasTag(NotebookParameter.InjectedTag));
        Assert.Contains("string host = \"b\";", injected.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_are_escaped_so_a_value_cannot_inject_code()
    {
        var notebook = ParameterInjector.Inject(WithParameters(), [new("host", ParameterValue.FromText("x\"; Environment.Exit(1); //\\"))], "test");

        Assert.Contains("string host = \"x\\\"; Environment.Exit(1); //\\\\\";", notebook.Cells[1].Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hots", "abc", "no parameter 'hots'; did you mean \"host\"?")]
    [InlineData("port", "twenty", "parameter 'port' (int) cannot be 'twenty': expected a whole number")]
    [InlineData("port", "99999999999", "a number that fits int")]
    [InlineData("check", "yes", "expected true or false")]
    [InlineData("ratio", "NaN", "expected a number")]
    [InlineData("wait", "soon", "seconds (90) or hh:mm:ss")]
    public void Bad_values_are_rejected_with_the_reason(string name, string value, string expected)
    {
        var error = Assert.Throws<ParameterException>(() => ParameterInjector.Inject(WithParameters(), [new(name, ParameterValue.FromText(value))], "test"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_bad_values_are_reported_together()
    {
        var error = Assert.Throws<ParameterException>(() => ParameterInjector.Inject(WithParameters(), [new("nope", ParameterValue.FromText("1")), new("port", ParameterValue.FromText("x"))], "test"));
        Assert.Equal(2, error.Message.Split(Environment.NewLine).Length);
    }

    [Fact]
    public void Values_for_a_notebook_without_a_parameters_cell_are_an_error()
    {
        var error = Assert.Throws<ParameterException>(() => ParameterInjector.Inject(Engine.Cells("1"), [new("host", ParameterValue.FromText("a"))], "test"));
        Assert.Contains("no cell tagged 'parameters'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_objects_cannot_be_given_to_a_scalar_parameter()
    {
        var error = Assert.Throws<ParameterException>(() => ParameterInjector.Inject(WithParameters(), [new("host", ParameterValue.FromJson(JsonDocument.Parse("[1]").RootElement))], "test"));
        Assert.Contains("expected a single string", error.Message, StringComparison.Ordinal);
    }
}
