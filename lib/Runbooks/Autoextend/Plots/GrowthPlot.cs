using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace Runbooks.Autoextend.Plots;

/// <summary>
/// The growth of a volume over time, from its history: filesystem used, filesystem size, LV size and the grower's
/// threshold, with its actions marked. Two renderings of the same data: a static SVG, which GitHub shows in an
/// executed notebook and in a browser, and an interactive plotly.js figure that works offline.
/// </summary>
public static class GrowthPlot
{
    private static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    private const int Left = 70, Right = 24, Top = 58, Bottom = 92;

    private sealed record Series(string Id, string Name, string Colour, double Width, string? Dash, bool Stepped, Func<PlotPoint, double> Value);

    private sealed record Marker(string Symbol, string Colour, bool Labelled);

    private static readonly Series[] Lines =
    [
        new("threshold", "threshold", "#d62728", 1.5, "6 4", true, p => p.Threshold),
        // wide and pale under the filesystem size, which is usually a few MiB less: both stay visible
        new("volume-size", "LV size", "#c7c7c7", 6, null, true, p => p.Volume),
        new("filesystem-size", "filesystem size", "#2ca02c", 2, null, true, p => p.Size),
        new("filesystem-used", "filesystem used", "#1f77b4", 2, null, false, p => p.Used),
    ];

    private static readonly ImmutableDictionary<GrowthEvent, Marker> Markers = new Dictionary<GrowthEvent, Marker>
    {
        [GrowthEvent.Extend] = new("triangle-up", "#2ca02c", true),
        [GrowthEvent.AddDisk] = new("triangle-up", "#9467bd", true),
        [GrowthEvent.Repair] = new("square", "#17becf", false),
        [GrowthEvent.Alert] = new("diamond", "#ff7f0e", false),
        [GrowthEvent.Error] = new("x", "#d62728", false),
    }.ToImmutableDictionary();

    /// <summary>A self-contained SVG document (no scripts, no external references): its samples thinned to about <see cref="GrowthPlotOptions.MaxSvgPoints"/>, every event marked.</summary>
    /// <exception cref="ArgumentException">No records, or none of <see cref="GrowthPlotOptions.Volume"/>.</exception>
    public static string Svg(IReadOnlyList<GrowthRecord> records, GrowthPlotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var series = GrowthSeries.Of(records, options);
        int width = options.Width, height = options.Height;
        double plotWidth = width - Left - Right, plotHeight = height - Top - Bottom;
        var xTicks = AxisTicks.Times(series.Duration);
        var yTicks = AxisTicks.Values(series.Highest * 1.05);
        double X(double seconds) => Left + seconds / xTicks[^1] * plotWidth;
        double Y(double gib) => Top + plotHeight - gib / yTicks[^1] * plotHeight;

        var svg = new XElement(Ns + "svg",
            new XAttribute("width", width), new XAttribute("height", height), new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XAttribute("role", "img"), new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12),
            new XElement(Ns + "title", options.Title),
            new XElement(Ns + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "#ffffff")),
            Text(width / 2.0, 24, options.Title, "middle", new XAttribute("class", "title"), new XAttribute("font-size", 16), new XAttribute("font-weight", "bold")),
            Text(width / 2.0, 42, Subtitle(series, records.Count), "middle", new XAttribute("class", "subtitle"), new XAttribute("fill", "#555555")));

        var axes = new XElement(Ns + "g", new XAttribute("class", "axes"), new XAttribute("stroke-width", 1));
        foreach (var tick in yTicks)
        {
            axes.Add(Line(Left, Y(tick), Left + plotWidth, Y(tick), "#e5e5e5"));
            axes.Add(Text(Left - 6, Y(tick) + 4, AxisTicks.Number(tick), "end"));
        }
        foreach (var tick in xTicks)
        {
            axes.Add(Line(X(tick), Top, X(tick), Top + plotHeight, "#e5e5e5"));
            axes.Add(Text(X(tick), Top + plotHeight + 18, AxisTicks.Time(tick, xTicks[^1]), "middle"));
        }
        axes.Add(Line(Left, Top + plotHeight, Left + plotWidth, Top + plotHeight, "#333333"));
        axes.Add(Line(Left, Top, Left, Top + plotHeight, "#333333"));
        axes.Add(Text(Left + plotWidth / 2, Top + plotHeight + 38,
            $"time since {series.Start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC ({AxisTicks.TimeUnit(xTicks[^1])})", "middle"));
        axes.Add(Text(18, Top + plotHeight / 2, "GiB", "middle", new XAttribute("transform", $"rotate(-90 18 {N(Top + plotHeight / 2)})")));
        svg.Add(axes);

        var points = series.Thinned(options.MaxSvgPoints);
        var lines = new XElement(Ns + "g", new XAttribute("class", "series"), new XAttribute("fill", "none"));
        foreach (var line in Lines)
            lines.Add(new XElement(Ns + "polyline",
                new XAttribute("class", "series " + line.Id), new XAttribute("data-series", line.Id),
                new XAttribute("stroke", line.Colour), new XAttribute("stroke-width", N(line.Width)),
                line.Dash is null ? null : new XAttribute("stroke-dasharray", line.Dash),
                new XAttribute("points", Polyline(line.Stepped ? Changes(points, line.Value) : points, line, X, Y))));
        svg.Add(lines);

        var events = new XElement(Ns + "g", new XAttribute("class", "events"));
        var labelled = 0;
        foreach (var e in series.Events)
        {
            var marker = Markers[e.Record.Kind];
            double x = X(e.Seconds), y = Y(e.Used);
            var group = new XElement(Ns + "g", new XAttribute("class", "event " + GrowthEvents.Name(e.Record.Kind)), new XAttribute("data-kind", GrowthEvents.Name(e.Record.Kind)),
                new XElement(Ns + "title", e.Tooltip),
                Shape(marker, x, y));
            // labels step up in three rows so that those of close events overlap less
            if (marker.Labelled)
                group.Add(Text(x, y - 10 - labelled++ % 3 * 12, e.Label, "middle", new XAttribute("font-size", 10), new XAttribute("fill", marker.Colour),
                    new XAttribute("stroke", "#ffffff"), new XAttribute("stroke-width", 3), new XAttribute("paint-order", "stroke")));
            events.Add(group);
        }
        svg.Add(events);
        svg.Add(Legend(series, width, height));
        return svg.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>
    /// An HTML fragment with an interactive plotly.js figure of the same data (every sample), plotly.js inline (unless
    /// <see cref="GrowthPlotOptions.IncludePlotly"/> is off), the figure as JSON in a script element of type application/json.
    /// </summary>
    /// <exception cref="ArgumentException">No records, or none of <see cref="GrowthPlotOptions.Volume"/>.</exception>
    public static string Html(IReadOnlyList<GrowthRecord> records, GrowthPlotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var series = GrowthSeries.Of(records, options);
        var figure = JsonSerializer.Serialize(Figure(series, options, records.Count));
        // the same data gives the same id: an executed notebook does not change when run again
        var id = "growth-plot-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(figure)))[..12];
        var html = new StringBuilder();
        html.Append("<div class=\"runbook-growth-plot\">\n");
        html.Append("<script type=\"application/json\" id=\"").Append(id).Append("-figure\">").Append(figure).Append("</script>\n");
        html.Append("<div id=\"").Append(id).Append("\" style=\"width:100%;max-width:").Append(options.Width).Append("px;height:").Append(options.Height).Append("px\"></div>\n");
        if (options.IncludePlotly)
            html.Append("<script>/* ").Append(PlotlyScript.Package).Append(' ').Append(PlotlyScript.Version).Append(", MIT license, Plotly Technologies Inc. */\n")
                .Append(PlotlyScript.Source).Append("\n</script>\n");
        html.Append("<script>(function () {\n")
            .Append("  var figure = JSON.parse(document.getElementById(\"").Append(id).Append("-figure\").textContent);\n")
            .Append("  if (window.Plotly) Plotly.newPlot(\"").Append(id).Append("\", figure.data, figure.layout, figure.config);\n")
            .Append("  else document.getElementById(\"").Append(id).Append("\").textContent = \"plotly.js is not loaded: this figure needs a page that has it.\";\n")
            .Append("})();</script>\n");
        return html.Append("</div>\n").ToString();
    }

    /// <summary>A standalone HTML page: the interactive figure, and the SVG for a browser that runs no scripts.</summary>
    /// <exception cref="ArgumentException">No records, or none of <see cref="GrowthPlotOptions.Volume"/>.</exception>
    public static string Page(IReadOnlyList<GrowthRecord> records, GrowthPlotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var title = WebUtility.HtmlEncode(options.Title);
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}}</title>
            <style>body { font-family: sans-serif; margin: 1.5em; }</style>
            </head>
            <body>
            {{Html(records, options with { IncludePlotly = true })}}<noscript>
            {{Svg(records, options)}}
            </noscript>
            </body>
            </html>

            """;
    }

    private static object Figure(GrowthSeries series, GrowthPlotOptions options, int recordCount)
    {
        var traces = new List<object>();
        // drawn in the SVG's order, so the wide LV line lies under the filesystem size; listed in the legend's
        var rank = Lines.Length;
        foreach (var line in Lines)
        {
            // a stepped line drawn by plotly ("hv") needs only the samples where it changes, and the last
            var points = line.Stepped ? Changes(series.Points, line.Value) : series.Points;
            traces.Add(new Dictionary<string, object?>
            {
                ["type"] = "scatter",
                ["mode"] = "lines",
                ["name"] = line.Id == "threshold" ? Threshold(series) : line.Name,
                ["legendrank"] = rank--,
                ["x"] = points.Select(p => Math.Round(p.Seconds, 3)),
                ["y"] = points.Select(p => Math.Round(line.Value(p), 4)),
                ["customdata"] = points.Select(p => p.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                ["hovertemplate"] = $"%{{customdata}} UTC<br>{line.Name} %{{y:.3f}} GiB<extra></extra>",
                ["line"] = new Dictionary<string, object?>
                {
                    ["color"] = line.Colour, ["width"] = line.Width, ["shape"] = line.Stepped ? "hv" : "linear", ["dash"] = line.Dash is null ? "solid" : "dash",
                },
            });
        }
        foreach (var kind in series.Events.Select(e => e.Record.Kind).Distinct().Order())
        {
            var marker = Markers[kind];
            var events = series.Events.Where(e => e.Record.Kind == kind).ToList();
            traces.Add(new Dictionary<string, object?>
            {
                ["type"] = "scatter",
                ["mode"] = marker.Labelled ? "markers+text" : "markers",
                ["name"] = GrowthEvents.Name(kind),
                ["legendrank"] = Lines.Length + 1 + (int)kind,
                ["x"] = events.Select(e => Math.Round(e.Seconds, 3)),
                ["y"] = events.Select(e => Math.Round(e.Used, 4)),
                ["text"] = events.Select(e => marker.Labelled ? PlotlyText(e.Label) : ""),
                ["textposition"] = "top center",
                ["hovertext"] = events.Select(e => PlotlyText(e.Tooltip)),
                ["hoverinfo"] = "text",
                ["marker"] = new Dictionary<string, object?> { ["symbol"] = marker.Symbol, ["color"] = marker.Colour, ["size"] = 10 },
                ["textfont"] = new Dictionary<string, object?> { ["color"] = marker.Colour, ["size"] = 10 },
            });
        }
        return new Dictionary<string, object?>
        {
            ["data"] = traces,
            ["layout"] = new Dictionary<string, object?>
            {
                ["title"] = new Dictionary<string, object?> { ["text"] = PlotlyText(options.Title) + "<br><sub>" + PlotlyText(Subtitle(series, recordCount)) + "</sub>" },
                ["xaxis"] = new Dictionary<string, object?>
                {
                    ["title"] = new Dictionary<string, object?> { ["text"] = $"seconds since {series.Start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" },
                    ["rangemode"] = "tozero", ["zeroline"] = false,
                },
                ["yaxis"] = new Dictionary<string, object?> { ["title"] = new Dictionary<string, object?> { ["text"] = "GiB" }, ["rangemode"] = "tozero" },
                ["legend"] = new Dictionary<string, object?> { ["orientation"] = "h", ["y"] = -0.2 },
                ["hovermode"] = "closest",
                ["margin"] = new Dictionary<string, object?> { ["t"] = 70 },
            },
            ["config"] = new Dictionary<string, object?> { ["displaylogo"] = false, ["responsive"] = true },
        };
    }

    // plotly reads its texts as a little HTML and knows few entities: these three are enough to show any text as it is
    private static string PlotlyText(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static ImmutableArray<PlotPoint> Changes(ImmutableArray<PlotPoint> points, Func<PlotPoint, double> value) =>
        [.. points.Where((p, i) => i == 0 || i == points.Length - 1 || value(p) != value(points[i - 1]))];

    private static string Subtitle(GrowthSeries series, int recordCount) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{series.Volume}: {series.Points.Length} samples, {series.Events.Length} events over {AxisTicks.Time(series.Duration, Math.Max(series.Duration, 3600))}") +
        (recordCount > series.Points.Length + series.Events.Length ? " (other volumes not shown)" : "");

    private static string Threshold(GrowthSeries series) => $"threshold {AxisTicks.Number(series.ThresholdPercent)}%";

    private static string Polyline(ImmutableArray<PlotPoint> points, Series line, Func<double, double> x, Func<double, double> y)
    {
        var text = new StringBuilder();
        double? previous = null;
        foreach (var point in points)
        {
            var value = line.Value(point);
            // a stepped line holds its value until the next sample and then jumps, as a size does when grown
            if (line.Stepped && previous is { } held && held != value)
                Append(x(point.Seconds), y(held));
            Append(x(point.Seconds), y(value));
            previous = value;
        }
        return text.ToString();

        void Append(double px, double py) => text.Append(text.Length == 0 ? "" : " ").Append(N(px)).Append(',').Append(N(py));
    }

    private static XElement Shape(Marker marker, double x, double y)
    {
        var d = marker.Symbol switch
        {
            "triangle-up" => $"M{N(x)},{N(y - 7)} L{N(x + 6)},{N(y + 4)} L{N(x - 6)},{N(y + 4)} Z",
            "diamond" => $"M{N(x)},{N(y - 7)} L{N(x + 6)},{N(y)} L{N(x)},{N(y + 7)} L{N(x - 6)},{N(y)} Z",
            "square" => $"M{N(x - 5)},{N(y - 5)} h10 v10 h-10 Z",
            _ => $"M{N(x - 5)},{N(y - 5)} L{N(x + 5)},{N(y + 5)} M{N(x - 5)},{N(y + 5)} L{N(x + 5)},{N(y - 5)}",
        };
        return marker.Symbol == "x"
            ? new XElement(Ns + "path", new XAttribute("class", "marker"), new XAttribute("d", d), new XAttribute("stroke", marker.Colour), new XAttribute("stroke-width", 2.5), new XAttribute("fill", "none"))
            : new XElement(Ns + "path", new XAttribute("class", "marker"), new XAttribute("d", d), new XAttribute("fill", marker.Colour), new XAttribute("stroke", "#ffffff"), new XAttribute("stroke-width", 1));
    }

    private static XElement Legend(GrowthSeries series, int width, int height)
    {
        var legend = new XElement(Ns + "g", new XAttribute("class", "legend"));
        var y = height - 16.0;
        var x = (double)Left;
        foreach (var line in Lines.Reverse())
        {
            legend.Add(new XElement(Ns + "line", new XAttribute("x1", N(x)), new XAttribute("y1", N(y - 4)), new XAttribute("x2", N(x + 24)), new XAttribute("y2", N(y - 4)),
                new XAttribute("stroke", line.Colour), new XAttribute("stroke-width", N(line.Width)), line.Dash is null ? null : new XAttribute("stroke-dasharray", line.Dash)));
            var name = line.Id == "threshold" ? Threshold(series) : line.Name;
            legend.Add(Text(x + 30, y, name, "start"));
            x += 30 + name.Length * 6.5 + 16;
        }
        foreach (var kind in series.Events.Select(e => e.Record.Kind).Distinct().Order())
        {
            legend.Add(Shape(Markers[kind], x + 6, y - 4));
            legend.Add(Text(x + 16, y, GrowthEvents.Name(kind), "start"));
            x += 16 + GrowthEvents.Name(kind).Length * 6.5 + 16;
        }
        // a legend wider than the picture moves left rather than being cut off
        if (x > width)
            legend.Add(new XAttribute("transform", $"translate({N(Math.Max(width - x, -Left + 4))} 0)"));
        return legend;
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string colour) =>
        new(Ns + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)), new XAttribute("y2", N(y2)), new XAttribute("stroke", colour));

    private static XElement Text(double x, double y, string text, string anchor, params object[] more) =>
        new(Ns + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor), more, text);

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
