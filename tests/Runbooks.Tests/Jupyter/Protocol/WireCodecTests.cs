using System.Text;
using System.Text.Json.Nodes;
using Runbooks.Jupyter.Protocol;

namespace Runbooks.Tests.Jupyter.Protocol;

public class WireCodecTests
{
    private const string Key = "a0436f6c-1916-498b-8eb9-e81ab9368e84";

    // An execute_request as Debian's jupyter_client 7.4.9 serialized it (Session(key=Key).serialize(msg, ident=[b'client-id'])).
    private static readonly string[] s_captured =
    [
        "client-id",
        "<IDS|MSG>",
        "4bdc32df09335061cabab15d9b6fd1db7433de522049a3547ae405e67e5d7bb0",
        """{"msg_id": "9c7a5f8e_27748_0", "msg_type": "execute_request", "username": "engineer", "session": "9c7a5f8e", "date": "2026-12-07T19:31:13.711679Z", "version": "5.3"}""",
        "{}",
        "{}",
        """{"code": "Console.WriteLine(\"hi\");", "silent": false, "store_history": true, "user_expressions": {}, "allow_stdin": false, "stop_on_error": true}""",
    ];

    private static List<byte[]> Frames(IEnumerable<string> parts) => [.. parts.Select(Encoding.UTF8.GetBytes)];

    [Fact]
    public void A_message_signed_by_jupyter_client_is_read_with_its_identity_and_parts()
    {
        var message = new WireCodec(new MessageSigner(Key)).Decode(Frames(s_captured));
        Assert.Equal("execute_request", message.Type);
        Assert.Equal("client-id", Encoding.UTF8.GetString(Assert.Single(message.Identities)));
        Assert.Equal("Console.WriteLine(\"hi\");", message.Content["code"]!.GetValue<string>());
    }

    [Fact]
    public void A_changed_part_or_another_key_is_refused()
    {
        var tampered = s_captured.ToArray();
        tampered[6] = tampered[6].Replace("hi", "rm -rf /", StringComparison.Ordinal);
        Assert.Throws<InvalidMessageException>(() => new WireCodec(new MessageSigner(Key)).Decode(Frames(tampered)));
        Assert.Throws<InvalidMessageException>(() => new WireCodec(new MessageSigner("another key")).Decode(Frames(s_captured)));
    }

    [Fact]
    public void A_reply_carries_the_request_identity_and_parent_header_and_reads_back_under_the_same_key()
    {
        var codec = new WireCodec(new MessageSigner(Key));
        var request = codec.Decode(Frames(s_captured));
        var reply = JupyterMessage.Create("execute_reply", new JsonObject { ["status"] = "ok" }, request, "kernel-session");
        var frames = codec.Encode(reply);

        Assert.Equal("client-id", Encoding.UTF8.GetString(frames[0]));
        Assert.Equal(JupyterMessage.Delimiter, Encoding.UTF8.GetString(frames[1]));
        var read = codec.Decode(frames);
        Assert.Equal("9c7a5f8e_27748_0", read.ParentHeader["msg_id"]!.GetValue<string>());
        Assert.Equal("5.3", read.Header["version"]!.GetValue<string>());
        Assert.Equal("engineer", read.Header["username"]!.GetValue<string>());
    }

    [Fact]
    public void A_message_without_the_delimiter_is_refused_with_what_is_missing()
    {
        var e = Assert.Throws<InvalidMessageException>(() => new WireCodec(new MessageSigner(Key)).Decode(Frames(s_captured.Where(p => p != "<IDS|MSG>"))));
        Assert.Contains("<IDS|MSG>", e.Message);
    }
}
