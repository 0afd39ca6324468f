using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Runbooks.Labs.Tests.Faults;

/// <summary>
/// What the fault-injection suites share: which faults this run injects, the verdict over their outcomes, and the
/// table they leave in artifacts/faults/ (docs/benchmarks.md quotes it).
/// </summary>
internal static class FaultSuite
{
    /// <summary>Share of faults named, and of faults fixed, below which a full run fails (the issue's bar).</summary>
    public const double NamedBar = 0.90, FixedBar = 0.80;

    /// <summary>
    /// RUNBOOK_FAULTS=all injects the whole catalogue (minutes); a comma-separated list of ids injects those; unset,
    /// the fast subset CI runs on every landing.
    /// </summary>
    public static ImmutableArray<InjectedFault> Selected(ImmutableArray<InjectedFault> catalogue)
    {
        var wanted = Environment.GetEnvironmentVariable("RUNBOOK_FAULTS");
        if (string.Equals(wanted, "all", StringComparison.OrdinalIgnoreCase))
            return catalogue;
        if (string.IsNullOrWhiteSpace(wanted))
            return [.. catalogue.Where(f => f.Fast)];
        var ids = wanted.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = ids.Where(id => catalogue.All(f => f.Id != id)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"RUNBOOK_FAULTS names faults the catalogue lacks: {string.Join(", ", unknown)}; known: {string.Join(", ", catalogue.Select(f => f.Id))}");
        return [.. catalogue.Where(f => ids.Contains(f.Id))];
    }

    /// <summary>
    /// Injects each selected fault of <paramref name="catalogue"/> in turn through <paramref name="inject"/>, logs each
    /// outcome as it comes, writes the table (also when the suite itself breaks part-way, with what it had measured),
    /// and fails naming every broken promise of <see cref="Verdict"/>.
    /// </summary>
    public static async Task RunAsync(string twin, ImmutableArray<InjectedFault> catalogue, Func<InjectedFault, Task<FaultOutcome>> inject, Xunit.Abstractions.ITestOutputHelper output)
    {
        var outcomes = new List<FaultOutcome>();
        foreach (var fault in Selected(catalogue))
        {
            try
            {
                outcomes.Add(await inject(fault));
            }
            catch
            {
                Report(twin, outcomes);
                throw;
            }
            var o = outcomes[^1];
            output.WriteLine($"{fault.Id}: named {o.Named}, exit {o.ExitCode}, test {(o.TestPassed ? "passes" : "fails")}, {o.Took.TotalSeconds:0} s");
        }
        var table = Report(twin, outcomes);
        output.WriteLine(table);
        var broken = Verdict(outcomes);
        Assert.True(broken.Count == 0, string.Join("\n", broken) + "\n\n" + table);
    }

    /// <summary>The open findings of `fix --json` as host/check.</summary>
    public static ImmutableArray<string> OpenOf(string fixJson)
    {
        try
        {
            using var json = JsonDocument.Parse(fixJson);
            return [.. json.RootElement.GetProperty("open").EnumerateArray().Select(o => $"{o.GetProperty("host").GetString()}/{o.GetProperty("check").GetString()}")];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// Every outcome must be fixed or honestly open, and none "done" with the test failing; named and fixed must reach
    /// their bars over the faults injected. Empty when all holds; else one line per broken promise.
    /// </summary>
    public static IReadOnlyList<string> Verdict(IReadOnlyList<FaultOutcome> outcomes)
    {
        var broken = new List<string>();
        foreach (var o in outcomes.Where(o => o.FalseDone))
            broken.Add($"{o.Fault.Id}: fix exited 0 while the challenge's test still fails");
        foreach (var o in outcomes.Where(o => !o.Fixed && !o.HonestlyOpen && !o.FalseDone))
            broken.Add($"{o.Fault.Id}: neither fixed nor honestly open (exit {o.ExitCode}, {o.Open.Length} open, test {(o.TestPassed ? "passed" : "failed")})");
        if (outcomes.Count > 0 && Rate(outcomes, o => o.Named) < NamedBar)
            broken.Add($"named {Count(outcomes, o => o.Named)}, under the bar of {NamedBar:P0}");
        if (outcomes.Count > 0 && Rate(outcomes, o => o.Fixed) < FixedBar)
            broken.Add($"fixed {Count(outcomes, o => o.Fixed)}, under the bar of {FixedBar:P0}");
        return broken;
    }

    /// <summary>The table as markdown, written to artifacts/faults/TWIN.md; returned for the test's message.</summary>
    public static string Report(string twin, IReadOnlyList<FaultOutcome> outcomes)
    {
        var text = new StringBuilder($"| fault ({twin} twin) | named | fix exit | open after fix | challenge test | outcome | took |\n|---|---|---|---|---|---|---|\n");
        foreach (var o in outcomes)
        {
            var outcome = o.Fixed ? "fixed" : o.HonestlyOpen ? "open, said so" : o.FalseDone ? "**FALSE DONE**" : "**neither**";
            text.Append(CultureInfo.InvariantCulture,
                $"| `{o.Fault.Id}`: {o.Fault.What} | {(o.Named ? "yes" : $"no (found: {string.Join(", ", o.FoundChecks.DefaultIfEmpty("nothing"))})")} | {o.ExitCode} | {string.Join(", ", o.Open.DefaultIfEmpty("-"))} | {(o.TestPassed ? "passes" : "fails")} | {outcome} | {o.Took.TotalSeconds:0.0} s |\n");
        }
        text.Append(CultureInfo.InvariantCulture,
            $"\n{outcomes.Count} faults: named {Count(outcomes, o => o.Named)}, fixed {Count(outcomes, o => o.Fixed)}, honestly open {Count(outcomes, o => o.HonestlyOpen)}, false done {outcomes.Count(o => o.FalseDone)}.\n");
        var folder = Path.Combine(Repository.Root(), "artifacts", "faults");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"{twin}.md"), text.ToString());
        return text.ToString();
    }

    private static double Rate(IReadOnlyList<FaultOutcome> outcomes, Func<FaultOutcome, bool> which) =>
        (double)outcomes.Count(which) / outcomes.Count;

    private static string Count(IReadOnlyList<FaultOutcome> outcomes, Func<FaultOutcome, bool> which) =>
        string.Create(CultureInfo.InvariantCulture, $"{outcomes.Count(which)}/{outcomes.Count} ({Rate(outcomes, which):P0})");
}
