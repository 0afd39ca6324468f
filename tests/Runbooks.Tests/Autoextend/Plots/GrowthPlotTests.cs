using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Runbooks.Autoextend;
using Runbooks.Autoextend.Plots;
using static Runbooks.Tests.Autoextend.GrowthSamples;

namespace Runbooks.Tests.Autoextend.Plots;

public partial class GrowthPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly string[] SeriesIds = ["threshold", "volume-size", "filesystem-size", "filesystem-used"];

    [Fact]
    public void The_svg_is_well_formed_with_a_line_per_series_and_a_marker_per_event()
    {
        var records = Filling(1000).Concat([Event(60.2, GrowthEvent.AddDisk, 2048 * MiB), Event(70, GrowthEvent.Alert, detail: "VG full"), Event(80, GrowthEvent.Error, detail: "ssh: timeout")]).ToList();
        var extends = records.Count(r => r.Kind == GrowthEvent.Extend);

        var svg = XDocument.Parse(GrowthPlot.Svg(records, new GrowthPlotOptions()));

        Assert.Equal(Svg + "svg", svg.Root!.Name);
        Assert.Equal(SeriesIds, svg.Descendants(Svg + "polyline").Select(p => (string?)p.Attribute("data-series")));
        Assert.All(svg.Descendants(Svg + "polyline"), p => Assert.Matches(@"^[0-9.]+,[0-9.]+( [0-9.]+,[0-9.]+)+$", (string)p.Attribute("points")!));
        Assert.Equal("6 4", (string?)svg.Descendants(Svg + "polyline").First().Attribute("stroke-dasharray"));
        Assert.InRange(extends, 3, 20);
        Assert.Equal(extends, Markers(svg, "extend").Count);
        Assert.Single(Markers(svg, "add-disk"));
        Assert.Single(Markers(svg, "alert"));
        Assert.Single(Markers(svg, "error"));
        // a label for each action that grew something, none for alerts and errors
        Assert.Equal(Enumerable.Repeat("+500 MiB", extends), Events(svg, "extend").Select(g => g.Element(Svg + "text")?.Value));
        Assert.Equal("disk +2 GiB", Events(svg, "add-disk").Single().Element(Svg + "text")?.Value);
        Assert.Null(Events(svg, "error").Single().Element(Svg + "text"));
        Assert.Contains("ssh: timeout", Events(svg, "error").Single().Element(Svg + "title")!.Value, StringComparison.Ordinal);
        Assert.Empty(svg.Descendants(Svg + "script"));
        Assert.DoesNotContain(svg.Descendants().Attributes(), a => a.Name.LocalName == "href");
    }

    [Fact]
    public void The_svg_has_axes_with_ticks_labels_a_title_and_a_legend()
    {
        var svg = XDocument.Parse(GrowthPlot.Svg(Filling(300), new GrowthPlotOptions(Title: "data0")));
        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();

        Assert.Equal("data0", svg.Root!.Element(Svg + "title")?.Value);
        Assert.Contains("data0", texts);
        Assert.Contains("GiB", texts);
        Assert.Contains(texts, t => t.StartsWith("time since 2026-11-01 12:00:00 UTC (mm:ss)", StringComparison.Ordinal));
        Assert.Contains("0:00", texts);
        Assert.Contains("5:00", texts);
        Assert.Contains("2", texts);
        var legend = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Descendants(Svg + "text").Select(t => t.Value);
        Assert.Equal(["filesystem used", "filesystem size", "LV size", "threshold 80%", "extend"], legend);
    }

    [Fact]
    public void The_threshold_is_its_share_of_the_filesystem_size_as_steps()
    {
        var records = new[] { Sample(0, 1024 * MiB, 100 * MiB, 1024 * MiB), Sample(10, 1024 * MiB, 200 * MiB, 1024 * MiB), Sample(20, 2048 * MiB, 300 * MiB, 2048 * MiB) };

        var svg = XDocument.Parse(GrowthPlot.Svg(records, new GrowthPlotOptions(ThresholdPercent: 50)));
        var threshold = Points(svg, "threshold");
        var size = Points(svg, "filesystem-size");

        // steps: the line holds its value until the sample that changes it, then jumps there; it needs no sample that changes nothing
        Assert.Equal(3, threshold.Count);
        Assert.Equal(threshold[1].X, threshold[2].X);
        Assert.Equal(threshold[0].Y, threshold[1].Y);
        var zero = size[0].Y + (size[0].Y - size[2].Y);    // 1 GiB to 2 GiB is as far as 0 to 1 GiB
        Assert.Equal((zero + size[0].Y) / 2, threshold[0].Y, 0.5);
        Assert.Equal(3, Points(svg, "filesystem-used").Count);
    }

    [Fact]
    public void Text_is_escaped()
    {
        var records = new List<GrowthRecord>(Filling(30)) { Event(5, GrowthEvent.Error, detail: "a <b> & \"c\"") };

        var text = GrowthPlot.Svg(records, new GrowthPlotOptions(Title: "vg0 <&> \"data\""));
        var svg = XDocument.Parse(text);

        Assert.Contains("vg0 &lt;&amp;&gt; \"data\"", text, StringComparison.Ordinal);
        Assert.Equal("vg0 <&> \"data\"", svg.Root!.Element(Svg + "title")?.Value);
        Assert.EndsWith("a <b> & \"c\"", Events(svg, "error").Single().Element(Svg + "title")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_history_is_thinned_for_the_svg_keeping_every_event_and_every_change_of_size()
    {
        var records = Filling(5000, rate: MiB / 4);
        var extends = records.Count(r => r.Kind == GrowthEvent.Extend);

        var text = GrowthPlot.Svg(records, new GrowthPlotOptions());
        var svg = XDocument.Parse(text);

        Assert.InRange(Points(svg, "filesystem-used").Count, 300, 650);
        Assert.Equal(extends, Markers(svg, "extend").Count);
        Assert.Equal(2 + 2 * extends, Points(svg, "filesystem-size").Count);
        Assert.InRange(text.Length, 10_000, 80_000);
    }

    [Fact]
    public void Only_the_volume_asked_for_is_plotted()
    {
        var records = Filling(20).Concat([Sample(3, 10 * MiB, 5 * MiB, 10 * MiB, "vg1/logs"), Event(4, GrowthEvent.Extend, MiB, volume: "vg1/logs")]).ToList();

        var first = XDocument.Parse(GrowthPlot.Svg(records, new GrowthPlotOptions()));
        var other = XDocument.Parse(GrowthPlot.Svg(records, new GrowthPlotOptions(Volume: "vg1/logs")));

        Assert.Equal(20, Points(first, "filesystem-used").Count);
        Assert.Single(Points(other, "filesystem-used"));
        Assert.Equal("+1 MiB", Events(other, "extend").Single().Element(Svg + "text")?.Value);
        Assert.Throws<ArgumentException>(() => GrowthPlot.Svg(records, new GrowthPlotOptions(Volume: "vg9/none")));
        Assert.Throws<ArgumentException>(() => GrowthPlot.Svg([], new GrowthPlotOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => GrowthPlot.Svg(records, new GrowthPlotOptions(ThresholdPercent: 0)));
    }

    [Fact]
    public void The_html_carries_plotly_inline_and_the_same_data_as_json()
    {
        var records = Filling(200).Concat([Event(150, GrowthEvent.Alert, detail: "<script>alert(1)</script>")]).ToList();

        var html = GrowthPlot.Html(records, new GrowthPlotOptions(Title: "a </script> title"));

        Assert.Contains("plotly.js (basic - minified) v4.1.1", html, StringComparison.Ordinal);
        Assert.Contains("window.Plotly = Plotly", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"<script[^>]+src=", html);
        // nothing from the data can end a script element
        Assert.Equal(3, ScriptEnd().Matches(html).Count);

        var figure = Figure(html);
        var traces = figure.GetProperty("data").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["filesystem used", "filesystem size", "LV size", "threshold 80%", "extend", "alert"],
            traces.Values.OrderBy(t => t.GetProperty("legendrank").GetInt32()).Select(t => t.GetProperty("name").GetString()));
        var used = traces["filesystem used"];
        Assert.Equal(200, used.GetProperty("x").GetArrayLength());
        Assert.Equal(600.0 / 1024, used.GetProperty("y")[0].GetDouble(), 4);
        Assert.Equal(199, used.GetProperty("x")[199].GetDouble());
        Assert.Equal("hv", traces["filesystem size"].GetProperty("line").GetProperty("shape").GetString());
        Assert.Equal("dash", traces["threshold 80%"].GetProperty("line").GetProperty("dash").GetString());
        Assert.Equal(0.8, traces["threshold 80%"].GetProperty("y")[0].GetDouble(), 4);
        Assert.Equal(records.Count(r => r.Kind == GrowthEvent.Extend), traces["extend"].GetProperty("x").GetArrayLength());
        Assert.Equal("+500 MiB", traces["extend"].GetProperty("text")[0].GetString());
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", traces["alert"].GetProperty("hovertext")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("a &lt;/script&gt; title", figure.GetProperty("layout").GetProperty("title").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_is_the_same_for_the_same_data_and_can_leave_plotly_out()
    {
        var records = Filling(50);

        var once = GrowthPlot.Html(records, new GrowthPlotOptions(IncludePlotly: false));

        Assert.Equal(once, GrowthPlot.Html(records, new GrowthPlotOptions(IncludePlotly: false)));
        Assert.DoesNotContain("plotly.js (basic - minified)", once, StringComparison.Ordinal);
        Assert.InRange(once.Length, 1000, 50_000);
        Assert.Contains("Plotly.newPlot(", once, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_is_a_whole_html_document_with_the_svg_for_browsers_without_scripts()
    {
        var page = GrowthPlot.Page(Filling(50), new GrowthPlotOptions(Title: "<data0>"));

        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Contains("<title>&lt;data0&gt;</title>", page, StringComparison.Ordinal);
        Assert.Contains("plotly.js (basic - minified) v4.1.1", page, StringComparison.Ordinal);
        var fallback = Regex.Match(page, "<noscript>(.*)</noscript>", RegexOptions.Singleline);
        Assert.True(fallback.Success);
        Assert.Equal(Svg + "svg", XDocument.Parse(fallback.Groups[1].Value.Trim()).Root!.Name);
    }

    [Fact]
    public void The_bundled_plotly_is_the_version_install_deps_fetches()
    {
        var script = File.ReadAllText(Path.Combine(Devcontainer.RepoFiles.Root, "scripts", "install-deps.sh"));
        var pinned = Regex.Match(script, @"""plotly\.js-basic-dist-min ([0-9.]+) sha512-").Groups[1].Value;
        var project = File.ReadAllText(Path.Combine(Devcontainer.RepoFiles.Root, "lib", "Runbooks", "Runbooks.csproj"));

        Assert.Equal(pinned, PlotlyScript.Version);
        Assert.Contains($"<PlotlyVersion>{pinned}</PlotlyVersion>", project, StringComparison.Ordinal);
    }

    private static List<XElement> Events(XDocument svg, string kind) =>
        [.. svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("data-kind") == kind)];

    private static List<XElement> Markers(XDocument svg, string kind) =>
        [.. Events(svg, kind).SelectMany(g => g.Elements(Svg + "path")).Where(p => (string?)p.Attribute("class") == "marker")];

    private static List<(double X, double Y)> Points(XDocument svg, string series) =>
        [.. ((string)svg.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == series).Attribute("points")!)
            .Split(' ').Select(p => p.Split(',')).Select(p => (double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))];

    private static JsonElement Figure(string html)
    {
        var json = Regex.Match(html, "<script type=\"application/json\" id=\"(growth-plot-[0-9a-f]{12})-figure\">(.*?)</script>", RegexOptions.Singleline);
        Assert.True(json.Success, "no figure JSON");
        Assert.Contains($"<div id=\"{json.Groups[1].Value}\"", html, StringComparison.Ordinal);
        return JsonDocument.Parse(json.Groups[2].Value).RootElement;
    }

    [GeneratedRegex("</script", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptEnd();
}
