using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Runbooks.Jupyter.Protocol;

/// <summary>
/// One message of the Jupyter messaging protocol (5.3): the routing identities a ROUTER socket needs to
/// answer, then header, parent header, metadata and content, each a JSON object.
/// </summary>
public sealed record JupyterMessage(
    IReadOnlyList<byte[]> Identities,
    JsonObject Header,
    JsonObject ParentHeader,
    JsonObject Metadata,
    JsonObject Content)
{
    public const string ProtocolVersion = "5.3";

    public const string Delimiter = "<IDS|MSG>";

    public string Type => Header["msg_type"]?.GetValue<string>() ?? string.Empty;

    public string Id => Header["msg_id"]?.GetValue<string>() ?? string.Empty;

    /// <summary>A new message of <paramref name="type"/> that answers (or is caused by) <paramref name="parent"/>.</summary>
    public static JupyterMessage Create(string type, JsonObject content, JupyterMessage? parent, string session) => new(
        parent?.Identities ?? [],
        NewHeader(type, session, parent?.Header["username"]?.GetValue<string>() ?? "runbook"),
        parent is null ? [] : (JsonObject)parent.Header.DeepClone(),
        [],
        content);

    private static JsonObject NewHeader(string type, string session, string username) => new()
    {
        ["msg_id"] = Guid.NewGuid().ToString("N"),
        ["session"] = session,
        ["username"] = username,
        ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        ["msg_type"] = type,
        ["version"] = ProtocolVersion,
    };
}

/// <summary>Signs and checks messages with HMAC-SHA256 over header, parent header, metadata and content, as the spec says.</summary>
public sealed class MessageSigner(string key)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);

    public bool Enabled => _key.Length > 0;

    public string Sign(IReadOnlyList<byte[]> parts)
    {
        if (!Enabled)
            return string.Empty;
        using var hmac = new HMACSHA256(_key);
        foreach (var part in parts)
            hmac.TransformBlock(part, 0, part.Length, null, 0);
        hmac.TransformFinalBlock([], 0, 0);
        return Convert.ToHexStringLower(hmac.Hash!);
    }

    public bool Verify(string signature, IReadOnlyList<byte[]> parts) =>
        !Enabled || CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(parts)), Encoding.ASCII.GetBytes(signature));
}
