using System.CommandLine;
using Runbooks.Autoextend;
using Runbooks.Autoextend.History;
using Runbooks.Autoextend.Plots;

namespace Runbooks.Cli;

/// <summary>
/// `runbook plot HISTORY.csv [-o OUT]`: the growth of a volume from the history runbook autoextend keeps, as an SVG
/// or as an HTML page with the interactive plot (and the SVG for browsers without scripts). Bad input exits 2.
/// </summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var history = new Argument<string>("history") { Description = "The growth history (CSV) runbook autoextend writes; its rotated files (HISTORY.1 … .N) are read too." };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write: .svg for a static picture, .html for a page with the interactive plot (default: HISTORY.html next to the input)." };
        var threshold = new Option<double>("--threshold") { Description = "The grower's threshold in percent of the filesystem size, drawn as a dashed line.", DefaultValueFactory = _ => 80 };
        var title = new Option<string?>("--title") { Description = "The plot's title (default: Growth of VG/LV)." };
        var volume = new Option<string?>("--volume") { Description = "The volume to plot, VG/LV, in a history of several (default: the first)." };
        var command = new Command("plot", "Plot a volume's growth from runbook autoextend's history: used, size, LV size, threshold and every action.");
        command.Arguments.Add(history);
        foreach (var option in new Option[] { output, threshold, title, volume })
            command.Options.Add(option);
        command.SetAction((result, cancellationToken) => CliContext.Guard(async () =>
        {
            var input = result.GetValue(history)!;
            var target = result.GetValue(output) ?? Path.ChangeExtension(input, ".html");
            var svg = target.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);
            if (!svg && !target.EndsWith(".html", StringComparison.OrdinalIgnoreCase) && !target.EndsWith(".htm", StringComparison.OrdinalIgnoreCase))
                return await Bad($"-o {target}: the output must end in .svg (a static picture) or .html (a page with the interactive plot).").ConfigureAwait(false);
            var percent = result.GetValue(threshold);
            if (!(percent is > 0 and <= 100))
                return await Bad($"--threshold {percent}: a percentage of the filesystem size, more than 0 and at most 100.").ConfigureAwait(false);

            HistoryContents contents;
            try
            {
                contents = HistoryFile.Read(input);
            }
            catch (HistoryFormatException e)
            {
                return await Bad(e.Message).ConfigureAwait(false);
            }
            foreach (var torn in contents.TornLines)
                await Console.Error.WriteLineAsync($"runbook: {torn.File} line {torn.Line} was cut short (a crash while writing it) and is left out.").ConfigureAwait(false);
            if (contents.Records.IsEmpty)
                return await Bad($"{Path.GetFullPath(input)}: the history has no records yet, nothing to plot. Plot it once runbook autoextend has sampled the volume.").ConfigureAwait(false);
            var records = contents.Records;
            var plotted = result.GetValue(volume) ?? records[0].Volume;
            if (!records.Any(r => r.Volume == plotted))
                return await Bad($"--volume {plotted}: {Path.GetFullPath(input)} has no records of it; it has {string.Join(", ", records.Select(r => r.Volume).Distinct())}.").ConfigureAwait(false);

            var options = new GrowthPlotOptions(Title: result.GetValue(title) ?? $"Growth of {plotted}", ThresholdPercent: percent, Volume: plotted);
            var text = svg ? GrowthPlot.Svg(records, options) : GrowthPlot.Page(records, options);
            await File.WriteAllTextAsync(target, text, cancellationToken).ConfigureAwait(false);
            var mine = records.Where(r => r.Volume == plotted).ToList();
            Console.WriteLine($"wrote {target}: {plotted}, {mine.Count(r => r.Kind == GrowthEvent.Sample)} samples, {mine.Count(r => r.Kind != GrowthEvent.Sample)} events");
            return CliContext.Succeeded;
        }));
        return command;
    }

    private static async Task<int> Bad(string message)
    {
        await Console.Error.WriteLineAsync($"runbook: {message}").ConfigureAwait(false);
        return CliContext.BadInput;
    }
}
