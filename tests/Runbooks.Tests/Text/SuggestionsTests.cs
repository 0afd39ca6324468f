using Runbooks.Text;

namespace Runbooks.Tests.Text;

public class SuggestionsTests
{
    private static readonly string[] NotebookKeys =
        ["path", "description", "ci", "ciProfile", "cellTimeoutSeconds", "timeoutSeconds", "profiles"];

    [Theory]
    [InlineData("cellTimout", "cellTimeoutSeconds")]
    [InlineData("cellTimeoutSecond", "cellTimeoutSeconds")]
    [InlineData("ciprofile", "ciProfile")]
    [InlineData("PATH", "path")]
    [InlineData("profile", "profiles")]
    [InlineData("decsription", "description")]
    [InlineData("timeout", "timeoutSeconds")]
    [InlineData("cellTimeout", "cellTimeoutSeconds")]
    [InlineData("tiemout", "timeoutSeconds")]
    public void Suggests_the_close_candidate(string input, string expected) =>
        Assert.Equal(expected, Suggestions.Closest(input, NotebookKeys));

    [Theory]
    [InlineData("parameters")]
    [InlineData("artifacts")]
    [InlineData("seconds")]
    [InlineData("")]
    [InlineData("   ")]
    public void Suggests_nothing_when_no_candidate_is_close(string input) =>
        Assert.Null(Suggestions.Closest(input, NotebookKeys));

    [Fact]
    public void Allows_two_edits_even_for_short_input()
    {
        Assert.Equal("fly", Suggestions.Closest("fy", ["twin", "fly"]));
        Assert.Equal("twin", Suggestions.Closest("tw", ["twin", "fly"]));
        Assert.Null(Suggestions.Closest("x", ["twin"]));
        // A one-letter typo of a short name is not mistaken for a truncation of a long one.
        Assert.Null(Suggestions.Closest("x", ["timeoutSeconds"]));
    }

    [Fact]
    public void Allows_a_third_of_the_input_length_for_long_input()
    {
        // 12 characters: up to 4 edits pass, 5 do not.
        Assert.Equal("abcdefghijkl", Suggestions.Closest("abcdefghWXYZ", ["abcdefghijkl"]));
        Assert.Null(Suggestions.Closest("abcdefgVWXYZ", ["abcdefghijkl"]));
    }

    [Fact]
    public void Prefers_the_nearest_then_the_earliest_candidate()
    {
        // "cil" is one edit from "ci" and one from the start of "ciProfile"; the whole-name match wins.
        Assert.Equal("ci", Suggestions.Closest("cil", ["ciProfile", "ci"]));
        Assert.Equal("fly-b", Suggestions.Closest("fly-b", ["fly-a", "fly-b"]));
        Assert.Equal("fly-a", Suggestions.Closest("fly-c", ["fly-a", "fly-b"]));
    }

    [Fact]
    public void Returns_the_candidate_as_spelt_in_the_list() =>
        Assert.Equal("network-WireGuard", Suggestions.Closest("NETWORK-WIREGUARD", ["network-WireGuard"]));

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("flaw", "lawn", 2)]
    public void Edit_distance_counts_insertions_deletions_and_substitutions(string a, string b, int expected)
    {
        Assert.Equal(expected, Suggestions.EditDistance(a, b));
        Assert.Equal(expected, Suggestions.EditDistance(b, a));
    }
}
