namespace Runbooks.Capture;

/// <summary>Whitespace-separated columns, the last one taking the rest of the line (paths and command lines may hold spaces).</summary>
internal static class Columns
{
    /// <summary>The lines of a command's output that hold more than whitespace, each without a trailing \r and with
    /// its number in the output (from 1, blank lines counted), which a parse error names.</summary>
    public static IEnumerable<(int Number, string Line)> NumberedLines(string text)
    {
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length > 0)
                yield return (number, line);
        }
    }

    public static List<string> Split(string line, int splitCount)
    {
        var columns = new List<string>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
                i++;
            if (i >= line.Length)
                break;
            if (columns.Count == splitCount)
            {
                columns.Add(line[i..].TrimEnd());
                break;
            }
            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
                i++;
            columns.Add(line[start..i]);
        }
        return columns;
    }
}
