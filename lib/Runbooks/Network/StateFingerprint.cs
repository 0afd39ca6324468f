using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runbooks.Network.Checks;

namespace Runbooks.Network;

/// <summary>
/// The configuration part of a pair's state, for "did this change anything?": the snapshots without what
/// moves on its own (capture time, handshake times, byte counters, process ids).
/// </summary>
public static class StateFingerprint
{
    private static readonly HashSet<string> s_volatile = ["capturedAt", "latestHandshake", "receivedBytes", "sentBytes", "processId", "packets", "bytes"];

    public static string Of(TunnelState state) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Lines(state)))));

    /// <summary>The lines that differ ("- before", "+ after"), as JSON paths with values; empty when equal.</summary>
    public static string Difference(TunnelState before, TunnelState after)
    {
        var a = Lines(before).ToHashSet();
        var b = Lines(after).ToHashSet();
        return string.Join('\n', a.Except(b).Select(l => "- " + l).Concat(b.Except(a).Select(l => "+ " + l)));
    }

    private static IEnumerable<string> Lines(TunnelState state)
    {
        var node = JsonSerializer.SerializeToNode(new { server = state.Server, client = state.Client }, NetworkJson.Options)!;
        var lines = new List<string>();
        Flatten(node, "$", lines);
        return lines;
    }

    private static void Flatten(JsonNode? node, string path, List<string> lines)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                    if (!s_volatile.Contains(key))
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
