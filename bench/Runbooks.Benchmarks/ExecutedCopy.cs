using System.Globalization;
using System.Text.Json;

namespace Runbooks.Benchmarks;

/// <summary>Which program executed a notebook: decides where the per-cell status and timing are read from.</summary>
internal enum Executor
{
    /// <summary>The runbook CLI: <c>metadata.runbook = {started, duration_ms, status}</c> on each code cell.</summary>
    Runbook,

    /// <summary>Jupyter's nbclient: <c>execution_count</c>, error outputs, and <c>metadata.execution</c> timestamps.</summary>
    NbClient,
}

/// <summary>
/// Checks an executed copy: it exists, it has every code cell, each ran and succeeded, and each left the
/// output its source must produce. Returns the per-cell durations the executor recorded.
/// </summary>
internal static class ExecutedCopy
{
    public sealed record Verdict(string? Failure, IReadOnlyList<double> CellMilliseconds)
    {
        public bool Ok => Failure is null;
    }

    public static Verdict Check(string path, IReadOnlyList<BenchCell> expected, Executor executor)
    {
        if (!File.Exists(path))
            return Fail("no executed copy was written");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            return Fail($"the executed copy is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (!document.RootElement.TryGetProperty("cells", out var cellArray) || cellArray.ValueKind != JsonValueKind.Array)
                return Fail("the executed copy has no cells array");
            var code = cellArray.EnumerateArray().Where(c => c.TryGetProperty("cell_type", out var t) && t.GetString() == "code").ToList();
            if (code.Count != expected.Count)
                return Fail($"the executed copy has {code.Count} code cells, expected {expected.Count}");
            var durations = new List<double>(code.Count);
            for (var i = 0; i < code.Count; i++)
            {
                var (problem, milliseconds) = executor == Executor.Runbook ? RunbookCell(code[i]) : NbClientCell(code[i]);
                problem ??= OutputProblem(code[i], expected[i]);
                if (problem is not null)
                    return Fail($"cell {i + 1}: {problem}");
                durations.Add(milliseconds);
            }
            return new Verdict(null, durations);
        }
    }

    private static Verdict Fail(string why) => new(why, []);

    private static (string? Problem, double Milliseconds) RunbookCell(JsonElement cell)
    {
        if (!cell.TryGetProperty("metadata", out var metadata) || !metadata.TryGetProperty("runbook", out var run))
            return ("no metadata.runbook (the cell did not run)", 0);
        var status = run.TryGetProperty("status", out var s) ? s.GetString() : null;
        if (status != "ok")
            return ($"status '{status ?? "missing"}'{FirstError(cell)}", 0);
        if (!run.TryGetProperty("duration_ms", out var duration) || duration.ValueKind != JsonValueKind.Number)
            return ("no metadata.runbook.duration_ms", 0);
        return (null, duration.GetDouble());
    }

    private static (string? Problem, double Milliseconds) NbClientCell(JsonElement cell)
    {
        if (!cell.TryGetProperty("execution_count", out var count) || count.ValueKind != JsonValueKind.Number)
            return ("no execution_count (the cell did not run)", 0);
        var error = FirstError(cell);
        if (error.Length > 0)
            return ($"error output{error}", 0);
        // nbclient's record_timing: the kernel's message dates; busy -> idle is the kernel's time for the cell.
        if (cell.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("execution", out var execution)
            && Timestamp(execution, "iopub.status.busy") is { } busy && Timestamp(execution, "iopub.status.idle") is { } idle)
            return (null, (idle - busy).TotalMilliseconds);
        return (null, double.NaN);
    }

    private static DateTimeOffset? Timestamp(JsonElement execution, string name) =>
        execution.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    private static string FirstError(JsonElement cell)
    {
        foreach (var output in Outputs(cell))
            if (Type(output) == "error")
                return $": {Text(output, "ename")}: {Text(output, "evalue")}";
        return string.Empty;
    }

    private static string? OutputProblem(JsonElement cell, BenchCell expected)
    {
        var outputs = Outputs(cell).ToList();
        return expected.Output switch
        {
            ExpectedOutput.None => null,
            ExpectedOutput.Stdout => outputs.Any(o => Type(o) == "stream" && Text(o, "name") == "stdout" && Text(o, "text").Contains(expected.StdoutContains ?? string.Empty, StringComparison.Ordinal))
                ? null
                : $"expected stdout containing '{expected.StdoutContains}', got {Describe(outputs)}",
            ExpectedOutput.Display => outputs.Any(o => Type(o) == "display_data") ? null : $"expected a display_data output, got {Describe(outputs)}",
            ExpectedOutput.Result => outputs.Any(o => Type(o) == "execute_result") ? null : $"expected an execute_result output, got {Describe(outputs)}",
            _ => throw new ArgumentOutOfRangeException(nameof(expected), expected.Output, null),
        };
    }

    private static IEnumerable<JsonElement> Outputs(JsonElement cell) =>
        cell.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array ? outputs.EnumerateArray() : [];

    private static string Type(JsonElement output) => Text(output, "output_type");

    // nbformat stores multiline text as a string or as a list of lines.
    private static string Text(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value))
            return string.Empty;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? string.Empty,
            JsonValueKind.Array => string.Concat(value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : string.Empty)),
            _ => value.ToString(),
        };
    }

    private static string Describe(List<JsonElement> outputs) =>
        outputs.Count == 0 ? "no output" : string.Join(", ", outputs.Select(o => Type(o) is "stream" ? $"stream {Text(o, "name")} '{Text(o, "text").Trim()}'" : Type(o)));
}
