using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Runbooks.Jupyter.Protocol;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Jupyter;

/// <summary>
/// Where a running cell's output goes: stream, display_data, update_display_data and execute_result on
/// iopub, each with the execute_request that caused it as parent, so the client puts it under that cell.
/// </summary>
internal sealed class IoPubSink(Action<string, JsonObject, JupyterMessage?> publish) : ICellSink, IDisplaySink
{
    private volatile JupyterMessage? _parent;

    public JupyterMessage? Parent { get => _parent; set => _parent = value; }

    public int ExecutionCount { get; set; }

    /// <summary>An execute_request with silent=true: nothing of it is broadcast.</summary>
    public bool Silent { get; set; }

    public IReadOnlyList<CellOutputWriter> Captures { get; set; } = [];

    public void Stream(string name, string text) => Publish("stream", new JsonObject { ["name"] = name, ["text"] = text });

    public void Display(string displayId, IReadOnlyList<MimeData> data) => SendDisplay("display_data", displayId, data);

    public void UpdateDisplay(string displayId, IReadOnlyList<MimeData> data) => SendDisplay("update_display_data", displayId, data);

    public void Result(IReadOnlyList<MimeData> data)
    {
        FlushCaptures();
        Publish("execute_result", new JsonObject { ["execution_count"] = ExecutionCount, ["data"] = Bundle(data), ["metadata"] = new JsonObject() });
    }

    void IDisplaySink.Show(string displayId, IReadOnlyList<FormattedValue> values) => Display(displayId, ToMime(values));

    void IDisplaySink.Update(string displayId, IReadOnlyList<FormattedValue> values) => UpdateDisplay(displayId, ToMime(values));

    private static MimeData[] ToMime(IReadOnlyList<FormattedValue> values) => [.. values.Select(v => new MimeData(v.MimeType, v.Value))];

    // Text written before a display must appear before it.
    private void SendDisplay(string type, string displayId, IReadOnlyList<MimeData> data)
    {
        FlushCaptures();
        Publish(type, new JsonObject
        {
            ["data"] = Bundle(data),
            ["metadata"] = new JsonObject(),
            ["transient"] = new JsonObject { ["display_id"] = displayId },
        });
    }

    private void Publish(string type, JsonObject content)
    {
        if (!Silent)
            publish(type, content, Parent);
    }

    public void FlushCaptures()
    {
        foreach (var capture in Captures)
            capture.Flush();
    }

    /// <summary>A MIME bundle: JSON types as JSON values (nbformat stores them so), the rest as text.</summary>
    public static JsonObject Bundle(IEnumerable<MimeData> data)
    {
        var bundle = new JsonObject();
        foreach (var item in data)
            bundle[item.MimeType] = item.IsJson && TryParse(item.Value) is { } json ? json : JsonValue.Create(item.Value);
        return bundle;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
