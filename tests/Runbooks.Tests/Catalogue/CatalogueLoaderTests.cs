using System.Text;
using System.Text.Json;
using Runbooks.Catalogue;

namespace Runbooks.Tests.Catalogue;

public sealed class CatalogueLoaderTests : IDisposable
{
    private readonly CatalogueFolder folder = new();

    public void Dispose() => folder.Dispose();

    private const string FullExample = """
        {
          "$schema": "./docs/nbconfig.schema.json",
          // Executed copies land here.
          "artifacts": "out/executed",
          "defaults": { "cellTimeoutSeconds": 60, "timeoutSeconds": 600 },
          "redact": [
            { "name": "fly-api-token", "pattern": "fo1_[A-Za-z0-9_-]{20,}" },
            { "name": "wg-private-key", "pattern": "[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=" },
          ],
          /* Two runbooks: one in CI against the twin, one by hand. */
          "notebooks": {
            "network-wireguard": {
              "path": "runbooks/network-wireguard.ipynb",
              "description": "WireGuard over 6pn",
              "ci": true,
              "ciProfile": "twin",
              "cellTimeoutSeconds": 12.5,
              "profiles": {
                "twin": {
                  "description": "local lab twin",
                  "parameters": { "host": "client", "port": 22, "check": false, "hosts": ["a", "b"] }
                },
                "fly": { "parameters": { "host": "fly-client" } },
              },
            },
            "disk-usage": { "path": "runbooks/disk-usage.dib", "timeoutSeconds": 90 },
          },
        }
        """;

    [Fact]
    public void Loads_a_full_catalogue_with_absolute_paths_and_effective_timeouts()
    {
        folder.WithNotebooks("runbooks/network-wireguard.ipynb", "runbooks/disk-usage.dib");

        var catalogue = folder.Load(FullExample);

        Assert.Equal(folder.ConfigPath, catalogue.SourcePath);
        Assert.Equal(folder.Root, catalogue.BaseDirectory);
        Assert.Equal(Path.Combine(folder.Root, "out", "executed"), catalogue.ArtifactsDirectory);
        Assert.Equal(new CatalogueDefaults(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(600)), catalogue.Defaults);
        Assert.Equal(
            new[]
            {
                new RedactionPattern("fly-api-token", "fo1_[A-Za-z0-9_-]{20,}"),
                new RedactionPattern("wg-private-key", "[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]="),
            },
            catalogue.Redactions);
        Assert.Equal(["network-wireguard", "disk-usage"], catalogue.Notebooks.Select(n => n.Name));

        var wireguard = catalogue.Find("network-wireguard");
        Assert.Equal(Path.Combine(folder.Root, "runbooks", "network-wireguard.ipynb"), wireguard.Path);
        Assert.Equal("WireGuard over 6pn", wireguard.Description);
        Assert.True(wireguard.Ci);
        Assert.Equal("twin", wireguard.CiProfile);
        Assert.Equal(TimeSpan.FromSeconds(12.5), wireguard.CellTimeout);
        Assert.Equal(TimeSpan.FromSeconds(600), wireguard.Timeout);
        Assert.Equal(["twin", "fly"], wireguard.Profiles.Select(p => p.Name));

        var diskUsage = catalogue.Find("disk-usage");
        Assert.Equal(Path.Combine(folder.Root, "runbooks", "disk-usage.dib"), diskUsage.Path);
        Assert.Null(diskUsage.Description);
        Assert.False(diskUsage.Ci);
        Assert.Null(diskUsage.CiProfile);
        Assert.Equal(TimeSpan.FromSeconds(60), diskUsage.CellTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), diskUsage.Timeout);
        Assert.Empty(diskUsage.Profiles);
    }

    [Fact]
    public void Keeps_profile_parameters_as_json_in_file_order()
    {
        folder.WithNotebooks("runbooks/network-wireguard.ipynb", "runbooks/disk-usage.dib");

        var twin = folder.Load(FullExample).Find("network-wireguard").Profile("twin");

        Assert.Equal("local lab twin", twin.Description);
        Assert.Equal(["host", "port", "check", "hosts"], twin.Parameters.Keys);
        Assert.Equal("client", twin.Parameters["host"].GetString());
        Assert.Equal(22, twin.Parameters["port"].GetInt32());
        Assert.Equal(JsonValueKind.False, twin.Parameters["check"].ValueKind);
        Assert.Equal(["a", "b"], twin.Parameters["hosts"].EnumerateArray().Select(e => e.GetString()));
        Assert.Null(folder.Load(FullExample).Find("network-wireguard").Profile("fly").Description);
    }

    [Fact]
    public void Applies_defaults_when_optional_keys_are_absent()
    {
        folder.WithNotebooks("a.ipynb");

        var catalogue = folder.Load("""{ "notebooks": { "a": { "path": "a.ipynb" } } }""");

        Assert.Equal(Path.Combine(folder.Root, "artifacts", "notebooks"), catalogue.ArtifactsDirectory);
        Assert.Equal(CatalogueDefaults.Standard, catalogue.Defaults);
        Assert.Equal(TimeSpan.FromSeconds(300), catalogue.Defaults.CellTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1800), catalogue.Defaults.Timeout);
        Assert.Empty(catalogue.Redactions);
        var notebook = Assert.Single(catalogue.Notebooks);
        Assert.Equal(TimeSpan.FromSeconds(300), notebook.CellTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1800), notebook.Timeout);
    }

    [Fact]
    public void Accepts_ci_without_a_profile_when_the_notebook_has_none()
    {
        folder.WithNotebooks("a.ipynb");

        var notebook = Assert.Single(folder.Load("""{ "notebooks": { "a": { "path": "a.ipynb", "ci": true } } }""").Notebooks);

        Assert.True(notebook.Ci);
        Assert.Null(notebook.CiProfile);
    }

    [Fact]
    public void Reads_a_file_with_a_byte_order_mark_and_crlf_line_endings()
    {
        folder.WithNotebooks("a.ipynb");
        var text = "{\r\n  \"notebooks\": {\r\n    \"a\": { \"path\": \"a.ipynb\", \"cI\": true }\r\n  }\r\n}\r\n";
        File.WriteAllText(folder.ConfigPath, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var problem = Assert.Single(Assert.Throws<CatalogueException>(() => CatalogueLoader.Load(folder.ConfigPath)).Problems);

        Assert.Equal((3, 31), (problem.Line, problem.Column));
        Assert.Equal("unknown key \"cI\"; did you mean \"ci\"?", problem.Message);
    }

    [Fact]
    public void Unknown_key_is_reported_at_the_key_with_a_suggestion()
    {
        folder.WithNotebooks("nw.ipynb");

        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "network-wireguard": {
                  "path": "nw.ipynb",
                  "cellTimout": 120
                }
              }
            }
            """);

        Assert.Equal(folder.ConfigPath, problem.File);
        Assert.Equal((5, 7), (problem.Line, problem.Column));
        Assert.Equal("notebooks.network-wireguard", problem.KeyPath);
        Assert.Equal(
            $"{folder.ConfigPath}:5:7: notebooks.network-wireguard: unknown key \"cellTimout\"; did you mean \"cellTimeoutSeconds\"?",
            problem.ToString());
    }

    [Fact]
    public void Unknown_key_without_a_close_match_lists_the_known_keys()
    {
        var problem = Assert.Single(folder.Problems("""{ "colour": "blue" }"""), p => p.Message.StartsWith("unknown key"));

        Assert.Equal((1, 3), (problem.Line, problem.Column));
        Assert.Equal("", problem.KeyPath);
        Assert.Equal(
            "unknown key \"colour\"; expected one of \"$schema\", \"artifacts\", \"defaults\", \"redact\", \"notebooks\"",
            problem.Message);
    }

    [Fact]
    public void Wrong_type_is_reported_at_the_value()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""
            {
              "defaults": { "cellTimeoutSeconds": "abc" },
              "notebooks": { "a": { "path": "a.ipynb" } }
            }
            """);

        Assert.Equal((2, 39), (problem.Line, problem.Column));
        Assert.Equal("defaults.cellTimeoutSeconds", problem.KeyPath);
        Assert.Equal("expected a number of seconds > 0, got \"abc\"", problem.Message);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-5", "-5")]
    [InlineData("true", "true")]
    [InlineData("null", "null")]
    [InlineData("[30]", "an array")]
    [InlineData("{ \"s\": 30 }", "an object")]
    [InlineData("1e300", "1e300")]
    public void Timeouts_must_be_positive_numbers(string value, string described)
    {
        folder.WithNotebooks("a.ipynb");
        const string before = """{ "notebooks": { "a": { "path": "a.ipynb", "timeoutSeconds": """;

        var problem = folder.SingleProblem(before + value + " } } }");

        Assert.Equal((1, before.Length + 1), (problem.Line, problem.Column));
        Assert.Equal("notebooks.a.timeoutSeconds", problem.KeyPath);
        Assert.StartsWith("expected a number of seconds > 0", problem.Message);
        Assert.EndsWith($", got {described}", problem.Message);
    }

    [Theory]
    [InlineData("\"ci\": \"yes\"", "expected true or false, got \"yes\"")]
    [InlineData("\"description\": 42", "expected a string, got 42")]
    [InlineData("\"profiles\": []", "expected an object { \"profile-name\": { \"parameters\": { ... } } }, got an array")]
    public void Other_wrong_types_name_what_was_expected(string property, string message)
    {
        folder.WithNotebooks("a.ipynb");
        const string before = """{ "notebooks": { "a": { "path": "a.ipynb", """;

        var problem = folder.SingleProblem(before + property + " } } }");

        Assert.Equal(message, problem.Message);
        Assert.Equal(before.Length + property.IndexOf(':', StringComparison.Ordinal) + 3, problem.Column);
    }

    [Fact]
    public void Missing_path_is_reported_at_the_object_that_lacks_it()
    {
        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "a": { "description": "no path" }
              }
            }
            """);

        Assert.Equal((3, 10), (problem.Line, problem.Column));
        Assert.Equal("notebooks.a", problem.KeyPath);
        Assert.StartsWith("missing required key \"path\"", problem.Message);
    }

    [Fact]
    public void Missing_notebooks_is_reported_at_the_top_level_object()
    {
        var problem = folder.SingleProblem("""

              { "artifacts": "out" }
            """);

        Assert.Equal((2, 3), (problem.Line, problem.Column));
        Assert.Equal("", problem.KeyPath);
        Assert.StartsWith("missing required key \"notebooks\"", problem.Message);
    }

    [Fact]
    public void An_empty_notebook_list_is_an_error()
    {
        var problem = folder.SingleProblem("""{ "notebooks": {} }""");

        Assert.Equal((1, 16), (problem.Line, problem.Column));
        Assert.Equal("notebooks", problem.KeyPath);
        Assert.StartsWith("no notebooks listed", problem.Message);
    }

    [Fact]
    public void A_catalogue_that_is_not_an_object_is_an_error()
    {
        var problem = folder.SingleProblem("[]");

        Assert.Equal((1, 1), (problem.Line, problem.Column));
        Assert.EndsWith("got an array", problem.Message);
    }

    [Fact]
    public void Nonexistent_notebook_file_names_the_resolved_path()
    {
        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "a": { "path": "runbooks/missing.ipynb" }
              }
            }
            """);

        Assert.Equal((3, 20), (problem.Line, problem.Column));
        Assert.Equal("notebooks.a.path", problem.KeyPath);
        Assert.Contains(Path.Combine(folder.Root, "runbooks", "missing.ipynb"), problem.Message);
        Assert.StartsWith("notebook file not found", problem.Message);
    }

    [Theory]
    [InlineData("a.md")]
    [InlineData("a.ipynb.bak")]
    [InlineData("runbooks")]
    public void Notebook_path_must_be_an_ipynb_or_dib_file(string path)
    {
        folder.WithNotebooks(path);

        var problem = folder.SingleProblem($$"""{ "notebooks": { "a": { "path": "{{path}}" } } }""");

        Assert.Equal("notebooks.a.path", problem.KeyPath);
        Assert.Equal($"expected a path ending in .ipynb or .dib, got \"{path}\"", problem.Message);
    }

    [Fact]
    public void Bad_regular_expression_reports_the_regex_error_at_the_pattern()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""
            {
              "redact": [
                { "name": "token", "pattern": "fo1_[A-Z" }
              ],
              "notebooks": { "a": { "path": "a.ipynb" } }
            }
            """);

        Assert.Equal((3, 35), (problem.Line, problem.Column));
        Assert.Equal("redact[0].pattern", problem.KeyPath);
        Assert.StartsWith("invalid regular expression:", problem.Message);
        Assert.Contains("Unterminated [] set", problem.Message);
    }

    [Fact]
    public void Redaction_entries_need_a_name_and_a_pattern_and_unique_names()
    {
        folder.WithNotebooks("a.ipynb");

        var problems = folder.Problems("""
            {
              "redact": [
                { "pattern": "x" },
                { "name": "token", "pattern": "" },
                { "name": "key", "pattern": "a" },
                { "name": "key", "pattern": "b" }
              ],
              "notebooks": { "a": { "path": "a.ipynb" } }
            }
            """);

        Assert.Equal(
            [
                (3, 5, "redact[0]", "missing required key \"name\": a label such as \"fly-api-token\", shown where the secret was removed"),
                (4, 35, "redact[1].pattern", "expected a non-empty string, got \"\""),
                (6, 15, "redact[3].name", "duplicate redaction name \"key\" (first at line 5); give each pattern its own name"),
            ],
            problems.Select(p => (p.Line!.Value, p.Column!.Value, p.KeyPath, p.Message)));
    }

    [Fact]
    public void Bad_names_are_reported_at_their_keys()
    {
        folder.WithNotebooks("a.ipynb");

        var problems = folder.Problems("""
            {
              "redact": [ { "name": "Fly Token", "pattern": "fo1_" } ],
              "notebooks": {
                "Network_WG": {
                  "path": "a.ipynb",
                  "profiles": { "Twin": {}, "-fly": {} }
                }
              }
            }
            """);

        Assert.Equal(
            [
                (2, 25, "redact[0].name", "invalid redaction name \"Fly Token\"; use lowercase letters, digits and '-'"),
                (4, 5, "notebooks", "invalid runbook name \"Network_WG\"; use lowercase letters, digits and '-', starting with a letter or digit"),
                (6, 21, "notebooks.Network_WG.profiles", "invalid profile name \"Twin\"; use lowercase letters, digits and '-', starting with a letter or digit"),
                (6, 33, "notebooks.Network_WG.profiles", "invalid profile name \"-fly\"; use lowercase letters, digits and '-', starting with a letter or digit"),
            ],
            problems.Select(p => (p.Line!.Value, p.Column!.Value, p.KeyPath, p.Message)));
    }

    [Fact]
    public void Ci_without_ci_profile_is_reported_at_ci_and_lists_the_profiles()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "a": {
                  "path": "a.ipynb",
                  "ci": true,
                  "profiles": { "twin": {}, "fly": {} }
                }
              }
            }
            """);

        Assert.Equal((5, 7), (problem.Line, problem.Column));
        Assert.Equal("notebooks.a", problem.KeyPath);
        Assert.Equal(
            "\"ci\" is true but \"ciProfile\" is missing; add \"ciProfile\" naming the profile CI runs: \"twin\", \"fly\"",
            problem.Message);
    }

    [Fact]
    public void Unknown_ci_profile_suggests_and_lists_the_profiles()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "a": {
                  "path": "a.ipynb",
                  "ci": true,
                  "ciProfile": "twn",
                  "profiles": { "twin": {}, "fly": {} }
                }
              }
            }
            """);

        Assert.Equal((6, 20), (problem.Line, problem.Column));
        Assert.Equal("notebooks.a.ciProfile", problem.KeyPath);
        Assert.Equal("unknown profile \"twn\"; did you mean \"twin\"? available profiles: \"twin\", \"fly\"", problem.Message);
    }

    [Fact]
    public void Ci_profile_on_a_notebook_without_profiles_is_an_error()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""{ "notebooks": { "a": { "path": "a.ipynb", "ciProfile": "twin" } } }""");

        Assert.Equal("notebooks.a.ciProfile", problem.KeyPath);
        Assert.Contains("has no \"profiles\"", problem.Message);
    }

    [Fact]
    public void Bad_parameter_values_are_reported_at_each_value()
    {
        folder.WithNotebooks("a.ipynb");

        var problems = folder.Problems("""
            {
              "notebooks": {
                "a": {
                  "path": "a.ipynb",
                  "profiles": {
                    "twin": {
                      "parameters": {
                        "ok": "fine",
                        "nested": { "x": 1 },
                        "missing": null,
                        "matrix": [[1, 2]],
                        "mixed": ["a", 1],
                        "hosts": ["a", {}]
                      }
                    }
                  }
                }
              }
            }
            """);

        const string parameters = "notebooks.a.profiles.twin.parameters";
        Assert.Equal(
            [
                (9, 23, $"{parameters}.nested", "expected a string, number, true/false or an array of those, got an object"),
                (10, 24, $"{parameters}.missing", "expected a string, number, true/false or an array of those, got null"),
                (11, 24, $"{parameters}.matrix[0]", "expected array items to be strings, numbers or true/false, got an array"),
                (12, 28, $"{parameters}.mixed[1]", "expected every item to be a string like the first, got 1"),
                (13, 28, $"{parameters}.hosts[1]", "expected array items to be strings, numbers or true/false, got an object"),
            ],
            problems.Select(p => (p.Line!.Value, p.Column!.Value, p.KeyPath, p.Message)));
    }

    [Fact]
    public void Invalid_json_is_one_problem_at_the_reader_position()
    {
        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "a": { "path": "a.ipynb" }
                "b": { "path": "b.ipynb" }
              }
            }
            """);

        Assert.Equal((4, 5), (problem.Line, problem.Column));
        Assert.Equal("", problem.KeyPath);
        Assert.StartsWith("invalid JSON: ", problem.Message);
        Assert.DoesNotContain("LineNumber", problem.Message);
    }

    [Fact]
    public void Invalid_json_hides_problems_found_before_it()
    {
        // The duplicate comes first, but a broken file gets one problem: the one that stopped the reader.
        var problem = folder.SingleProblem("""{ "notebooks": {}, "notebooks": {} """);

        Assert.StartsWith("invalid JSON: ", problem.Message);
    }

    [Theory]
    [InlineData("", 1, 1)]
    [InlineData("  \n// only a comment\n", 3, 1)]
    [InlineData("{ \"notebooks\": { } } }", 1, 22)]
    [InlineData("{ \"notebooks\": ", 1, 16)]
    public void Empty_truncated_or_overlong_json_is_invalid(string json, int line, int column)
    {
        var problem = folder.SingleProblem(json);

        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.StartsWith("invalid JSON: ", problem.Message);
    }

    [Fact]
    public void A_blank_file_is_called_empty()
    {
        var problem = folder.SingleProblem(" \r\n\t");

        Assert.Equal((1, 1), (problem.Line, problem.Column));
        Assert.StartsWith("invalid JSON: the file is empty", problem.Message);
    }

    [Fact]
    public void Columns_count_characters_not_bytes()
    {
        folder.WithNotebooks("a.ipynb");
        const string before = """{ "notebooks": { "a": { "description": "Ümlaut ✓ 🚀", "path": "a.ipynb", """;

        var problem = folder.SingleProblem(before + "\"pth\": 1 } } }");

        Assert.Equal((1, before.Length + 1), (problem.Line, problem.Column));
        Assert.Equal("unknown key \"pth\"; did you mean \"path\"?", problem.Message);
    }

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_occurrence()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""
            {
              "notebooks": {
                "a": { "path": "a.ipynb", "path": "b.ipynb" }
              }
            }
            """);

        Assert.Equal((3, 31), (problem.Line, problem.Column));
        Assert.Equal("notebooks.a", problem.KeyPath);
        Assert.StartsWith("duplicate key \"path\" (first at line 3, column 12)", problem.Message);
    }

    [Fact]
    public void Duplicate_notebook_names_are_errors()
    {
        folder.WithNotebooks("a.ipynb");

        var problem = folder.SingleProblem("""{ "notebooks": { "a": { "path": "a.ipynb" }, "a": { "path": "a.ipynb" } } }""");

        Assert.Equal((1, 46), (problem.Line, problem.Column));
        Assert.Equal("notebooks", problem.KeyPath);
        Assert.StartsWith("duplicate key \"a\"", problem.Message);
    }

    [Fact]
    public void Several_problems_are_reported_together_in_document_order()
    {
        var exception = Assert.Throws<CatalogueException>(() => folder.Load("""
            {
              "artefacts": "out",
              "defaults": { "timeoutSeconds": -1 },
              "notebooks": {
                "a": { "path": "missing.ipynb", "ci": "yes" }
              }
            }
            """));

        Assert.Equal(
            [(2, 3, ""), (3, 35, "defaults.timeoutSeconds"), (5, 20, "notebooks.a.path"), (5, 43, "notebooks.a.ci")],
            exception.Problems.Select(p => (p.Line!.Value, p.Column!.Value, p.KeyPath)));
        Assert.Equal("unknown key \"artefacts\"; did you mean \"artifacts\"?", exception.Problems[0].Message);
        Assert.Equal(
            exception.Problems.Select(p => p.ToString()),
            exception.Message.Split(Environment.NewLine));
    }

    [Fact]
    public void Parse_names_the_source_as_given_and_resolves_paths_against_its_folder()
    {
        folder.WithNotebooks("runbooks/a.ipynb");
        var source = Path.Combine(folder.Root, "nbconfig.json");

        var catalogue = CatalogueLoader.Parse("""{ "notebooks": { "a": { "path": "runbooks/a.ipynb" } } }""", source);
        var problem = Assert.Single(Assert.Throws<CatalogueException>(
            () => CatalogueLoader.Parse("{ \"notebooks\": 3 }", "nbconfig.json")).Problems);

        Assert.Equal(Path.Combine(folder.Root, "runbooks", "a.ipynb"), catalogue.Find("a").Path);
        Assert.Equal("nbconfig.json:1:16: notebooks: expected an object { \"runbook-name\": { \"path\": ... } }, got 3", problem.ToString());
    }

    [Fact]
    public void Loading_a_missing_file_names_it_and_suggests_config()
    {
        var missing = Path.Combine(folder.Root, "nope", "nbconfig.json");

        var problem = Assert.Single(Assert.Throws<CatalogueException>(() => CatalogueLoader.Load(missing)).Problems);

        Assert.Null(problem.Line);
        Assert.Contains(missing, problem.Message);
        Assert.Contains("runbook --config PATH", problem.Message);
        Assert.Equal($"{missing}: {problem.Message}", problem.ToString());
    }

    [Fact]
    public void Loading_a_folder_points_at_the_file_inside()
    {
        var exception = Assert.Throws<CatalogueException>(() => CatalogueLoader.Load(folder.Root));

        Assert.Contains($"--config {folder.ConfigPath}", exception.Message);
    }

    [Fact]
    public void Discover_walks_up_to_the_nearest_catalogue()
    {
        folder.Write("nbconfig.json", "{}");
        var deep = Directory.CreateDirectory(Path.Combine(folder.Root, "a", "b", "c")).FullName;

        Assert.Equal(folder.ConfigPath, CatalogueLoader.Discover(deep));
        Assert.Equal(folder.ConfigPath, CatalogueLoader.Discover(folder.Root));

        var nearer = folder.Write(Path.Combine("a", "nbconfig.json"), "{}");
        Assert.Equal(nearer, CatalogueLoader.Discover(deep));
    }

    [Fact]
    public void Discover_without_a_catalogue_names_the_folder_and_suggests_config()
    {
        // Assumes no nbconfig.json above the temp folder, as on any sane machine.
        var deep = Directory.CreateDirectory(Path.Combine(folder.Root, "a", "b")).FullName;

        var exception = Assert.Throws<CatalogueException>(() => CatalogueLoader.Discover(deep));

        Assert.Equal(deep, Assert.Single(exception.Problems).File);
        Assert.StartsWith(deep + ": no nbconfig.json in this folder or any parent folder", exception.Message);
        Assert.Contains("runbook --config PATH", exception.Message);
    }

    [Fact]
    public void Find_and_profile_lookups_suggest_the_closest_name()
    {
        folder.WithNotebooks("runbooks/network-wireguard.ipynb", "runbooks/disk-usage.dib");
        var catalogue = folder.Load(FullExample);

        var noRunbook = Assert.Throws<KeyNotFoundException>(() => catalogue.Find("network-wirguard"));
        var noProfile = Assert.Throws<KeyNotFoundException>(() => catalogue.Find("network-wireguard").Profile("twn"));
        var noProfiles = Assert.Throws<KeyNotFoundException>(() => catalogue.Find("disk-usage").Profile("twin"));

        Assert.Equal(
            $"no runbook \"network-wirguard\" in {folder.ConfigPath}; did you mean \"network-wireguard\"? Available runbooks: network-wireguard, disk-usage.",
            noRunbook.Message);
        Assert.Equal(
            "runbook \"network-wireguard\" has no profile \"twn\"; did you mean \"twin\"? Available profiles: twin, fly.",
            noProfile.Message);
        Assert.Contains("defines no profiles", noProfiles.Message);
        Assert.False(catalogue.TryFind("Network-Wireguard", out _));
        Assert.True(catalogue.Find("network-wireguard").TryProfile("fly", out var fly));
        Assert.Equal("fly", fly.Name);
    }
}
