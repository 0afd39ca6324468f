namespace Runbooks.Benchmarks;

/// <summary>Median, min and max of a sample; NaN when the sample is empty.</summary>
internal sealed record Summary(int Count, double Median, double Min, double Max)
{
    public static Summary Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
            return new Summary(0, double.NaN, double.NaN, double.NaN);
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Summary(sorted.Length, median, sorted[0], sorted[^1]);
    }
}
