using System.Text.RegularExpressions;

namespace Runbooks.Autoextend.Plots;

/// <summary>
/// plotly.js as the library carries it: the npm package plotly.js-basic-dist-min (MIT license, Plotly Technologies
/// Inc.), its plotly-basic.min.js embedded at build time from the cache scripts/install-deps.sh fills (see
/// Runbooks.csproj). The basic bundle has the scatter traces a growth plot needs, at a third of the full one's size.
/// </summary>
internal static partial class PlotlyScript
{
    public const string Package = "plotly.js-basic-dist-min";

    private const string Resource = "Runbooks.Autoextend.Plots.plotly-basic.min.js";

    private static readonly Lazy<string> Text = new(Load);

    /// <summary>The bundle, safe inside a &lt;script&gt; element.</summary>
    public static string Source => Text.Value;

    /// <summary>The version the bundle's banner names ("4.1.1").</summary>
    public static string Version => Banner().Match(Source) is { Success: true } m ? m.Groups[1].Value : "unknown";

    private static string Load()
    {
        using var stream = typeof(PlotlyScript).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"{Resource} is not embedded in {typeof(PlotlyScript).Assembly.GetName().Name}: build it after scripts/install-deps.sh has fetched {Package}.");
        using var reader = new StreamReader(stream);
        // "</script" would end the element early; JavaScript reads "<\/" as "</" in the strings and regular expressions it can appear in
        return ScriptEnd().Replace(reader.ReadToEnd(), @"<\/$1");
    }

    [GeneratedRegex(@"</(script)", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptEnd();

    [GeneratedRegex(@"plotly\.js \(basic - minified\) v([0-9][0-9A-Za-z.+-]*)")]
    private static partial Regex Banner();
}
