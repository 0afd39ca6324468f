namespace Runbooks.Autoextend.Plots;

/// <summary>How a growth plot is drawn.</summary>
/// <param name="Title">Shown above the plot, and as the page title.</param>
/// <param name="ThresholdPercent">The grower's threshold: drawn as a dashed line at this share of the filesystem size.</param>
/// <param name="Volume">The volume plotted ("vg0/data0"); null: the first one in the history.</param>
/// <param name="Width">Width in pixels (the SVG's size; the interactive plot's largest width).</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="MaxSvgPoints">
/// About how many samples the SVG draws at most: a longer history is thinned to the lowest and highest use in each
/// stretch of time, keeping every change of size. The interactive plot gets every sample.
/// </param>
/// <param name="IncludePlotly">
/// Whether the HTML fragment carries plotly.js itself (1.2 MB). A notebook that shows several plots in one page may
/// leave it out of all but the first.
/// </param>
public sealed record GrowthPlotOptions(
    string Title = "Volume growth",
    double ThresholdPercent = 80,
    string? Volume = null,
    int Width = 960,
    int Height = 480,
    int MaxSvgPoints = 600,
    bool IncludePlotly = true);
