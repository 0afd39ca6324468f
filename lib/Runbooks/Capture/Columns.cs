namespace Runbooks.Capture;

/// <summary>Whitespace-separated columns, the last one taking the rest of the line (paths and command lines may hold spaces).</summary>
internal static class Columns
{
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
