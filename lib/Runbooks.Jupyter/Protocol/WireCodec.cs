using System.Text;
using System.Text.Json.Nodes;

namespace Runbooks.Jupyter.Protocol;

/// <summary>A message that could not be read: bad signature, missing delimiter, a part that is not a JSON object.</summary>
public sealed class InvalidMessageException(string message) : Exception(message);

/// <summary>
/// The wire format: identities, the <c>&lt;IDS|MSG&gt;</c> delimiter, the HMAC signature, then the four JSON
/// parts and any binary buffers, each its own ZeroMQ frame.
/// </summary>
public sealed class WireCodec(MessageSigner signer)
{
    private static readonly byte[] s_delimiter = Encoding.ASCII.GetBytes(JupyterMessage.Delimiter);

    public IReadOnlyList<byte[]> Encode(JupyterMessage message)
    {
        var parts = new[] { message.Header, message.ParentHeader, message.Metadata, message.Content }
            .Select(part => Encoding.UTF8.GetBytes(part.ToJsonString()))
            .ToArray();
        return [.. message.Identities, s_delimiter, Encoding.ASCII.GetBytes(signer.Sign(parts)), .. parts];
    }

    public JupyterMessage Decode(IReadOnlyList<byte[]> frames)
    {
        var delimiter = -1;
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames[i].AsSpan().SequenceEqual(s_delimiter))
            {
                delimiter = i;
                break;
            }
        }
        if (delimiter < 0 || frames.Count < delimiter + 6)
            throw new InvalidMessageException($"a message of {frames.Count} frames lacks the '{JupyterMessage.Delimiter}' delimiter or one of its four JSON parts.");
        var parts = frames.Skip(delimiter + 2).Take(4).ToArray();
        if (!signer.Verify(Encoding.ASCII.GetString(frames[delimiter + 1]), parts))
            throw new InvalidMessageException("a message's HMAC signature does not match the key of the connection file; it was dropped.");
        return new JupyterMessage([.. frames.Take(delimiter)], Parse(parts[0], "header"), Parse(parts[1], "parent_header"), Parse(parts[2], "metadata"), Parse(parts[3], "content"));
    }

    private static JsonObject Parse(byte[] part, string name)
    {
        try
        {
            return JsonNode.Parse(part) as JsonObject ?? throw new InvalidMessageException($"the message's {name} is not a JSON object.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidMessageException($"the message's {name} is not valid JSON: {e.Message}");
        }
    }
}
