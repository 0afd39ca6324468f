using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbooks.Checks;

/// <summary>
/// A state's fingerprint for "did this change anything?" (check mode must leave it equal): the state as JSON,
/// flattened to one line per value, without the properties that move on their own.
/// </summary>
/// <param name="options">How the state is serialized (property names as the volatile names spell them).</param>
/// <param name="volatileProperties">JSON property names left out wherever they occur.</param>
public sealed class Fingerprint(JsonSerializerOptions options, params string[] volatileProperties)
{
    private readonly HashSet<string> _volatile = [.. volatileProperties];

    public string Of(object state) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Lines(state)))));

    /// <summary>The lines that differ ("- before", "+ after"), as JSON paths with values; empty when equal.</summary>
    public string Difference(object before, object after)
    {
        var a = Lines(before).ToHashSet();
        var b = Lines(after).ToHashSet();
        return string.Join('\n', a.Except(b).Select(l => "- " + l).Concat(b.Except(a).Select(l => "+ " + l)));
    }

    private List<string> Lines(object state)
    {
        var lines = new List<string>();
        Flatten(JsonSerializer.SerializeToNode(state, state.GetType(), options), "$", lines);
        return lines;
    }

    private void Flatten(JsonNode? node, string path, List<string> lines)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                    if (!_volatile.Contains(key))
                        Flatten(value, $"{path}.{key}", lines);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    Flatten(array[i], $"{path}[{i}]", lines);
                break;
            default:
                lines.Add($"{path} = {node?.ToJsonString() ?? "null"}");
                break;
        }
    }
}
