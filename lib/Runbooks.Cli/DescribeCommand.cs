using System.CommandLine;
using System.Text.Json;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;
using Runbooks.Notebooks.Parameters;
using Runbooks.Notebooks.Runs;

namespace Runbooks.Cli;

/// <summary>`runbook describe`: a notebook's parameters (type, default, description), its cells and its catalogue profiles.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("notebook") { Description = "A notebook path or a name from nbconfig.json." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("describe", "List a runbook's parameters with their types and defaults, and its profiles.");
        command.Arguments.Add(target);
        command.Options.Add(json);
        command.SetAction((result, _) => CliContext.Guard(() =>
        {
            var planner = CliContext.Planner(result);
            var (_, path, entry) = planner.Resolve(result.GetValue(target)!);
            var notebook = NotebookFile.Read(path);
            var parameters = ParameterInjector.Describe(notebook);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    name = entry?.Name ?? Path.GetFileNameWithoutExtension(path),
                    path,
                    description = entry?.Description,
                    parameters = parameters.Select(p => new { name = p.Name, type = p.TypeName, @default = p.DefaultExpression, description = p.Description, secret = RunPlanner.LooksSecret(p.Name) }),
                    profiles = entry?.Profiles.Select(p => new { name = p.Name, description = p.Description, parameters = p.Parameters.ToDictionary(kv => kv.Key, kv => Shown(kv.Key, kv.Value)) }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                return Task.FromResult(CliContext.Succeeded);
            }
            Console.WriteLine($"{entry?.Name ?? Path.GetFileNameWithoutExtension(path)}  ({Path.GetRelativePath(Environment.CurrentDirectory, path)})");
            if (entry?.Description is { } description)
                Console.WriteLine($"  {description}");
            Console.WriteLine($"  cells: {notebook.Cells.Count(c => c.Kind == CellKind.Code)} code, {notebook.Cells.Count(c => c.Kind == CellKind.Markdown)} markdown");
            if (entry is not null)
                Console.WriteLine($"  timeouts: {entry.CellTimeout.TotalSeconds} s per cell, {entry.Timeout.TotalSeconds} s in all; ci: {(entry.Ci ? $"yes (profile {entry.CiProfile ?? "none"})" : "no")}");
            Console.WriteLine(parameters.Count == 0 ? "  parameters: none (no cell tagged 'parameters')" : "  parameters:");
            var width = parameters.Count == 0 ? 0 : parameters.Max(p => p.Name.Length);
            var typeWidth = parameters.Count == 0 ? 0 : parameters.Max(p => p.TypeName.Length);
            foreach (var p in parameters)
                Console.WriteLine($"    {p.Name.PadRight(width)}  {p.TypeName.PadRight(typeWidth)}  = {p.DefaultExpression}{(p.Description is null ? "" : $"  // {p.Description}")}");
            foreach (var profile in entry?.Profiles ?? [])
                Console.WriteLine($"  profile {profile.Name}: {string.Join(", ", profile.Parameters.Select(kv => $"{kv.Key}={Shown(kv.Key, kv.Value)}"))}{(profile.Description is null ? "" : $"  ({profile.Description})")}");
            return Task.FromResult(CliContext.Succeeded);
        }));
        return command;
    }

    // describe output lands in terminals and logs: a profile's secret values are not shown.
    private static string Shown(string name, JsonElement value) => RunPlanner.LooksSecret(name) ? "\"***\"" : value.GetRawText();
}
