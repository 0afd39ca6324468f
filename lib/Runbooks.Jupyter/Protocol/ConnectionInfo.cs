using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runbooks.Jupyter.Protocol;

/// <summary>
/// The connection file a Jupyter client writes before it starts a kernel: where each of the five channels
/// listens and the key that signs every message.
/// </summary>
public sealed record ConnectionInfo
{
    [JsonPropertyName("transport")]
    public string Transport { get; init; } = "tcp";

    [JsonPropertyName("ip")]
    public string Ip { get; init; } = "127.0.0.1";

    [JsonPropertyName("shell_port")]
    public int ShellPort { get; init; }

    [JsonPropertyName("iopub_port")]
    public int IopubPort { get; init; }

    [JsonPropertyName("stdin_port")]
    public int StdinPort { get; init; }

    [JsonPropertyName("control_port")]
    public int ControlPort { get; init; }

    [JsonPropertyName("hb_port")]
    public int HeartbeatPort { get; init; }

    [JsonPropertyName("key")]
    public string Key { get; init; } = string.Empty;

    [JsonPropertyName("signature_scheme")]
    public string SignatureScheme { get; init; } = "hmac-sha256";

    public string Address(int port) => Transport == "ipc" ? $"ipc://{Ip}-{port}" : $"{Transport}://{Ip}:{port}";

    public static ConnectionInfo Read(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read the connection file {path}: {e.Message}. Jupyter writes it and passes its path as -f {{connection_file}}.", e);
        }
        ConnectionInfo info;
        try
        {
            info = JsonSerializer.Deserialize<ConnectionInfo>(json) ?? throw new InvalidDataException($"the connection file {path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the connection file {path} is not valid JSON: {e.Message}", e);
        }
        if (info.SignatureScheme is not ("hmac-sha256" or ""))
            throw new InvalidDataException($"the connection file {path} asks for signature scheme '{info.SignatureScheme}'; this kernel signs with hmac-sha256 only.");
        var ports = new[] { info.ShellPort, info.IopubPort, info.StdinPort, info.ControlPort, info.HeartbeatPort };
        if (info.Transport == "tcp" && ports.Any(p => p is <= 0 or > 65535))
            throw new InvalidDataException($"the connection file {path} lacks a port (shell {info.ShellPort}, iopub {info.IopubPort}, stdin {info.StdinPort}, control {info.ControlPort}, hb {info.HeartbeatPort}).");
        return info;
    }
}
