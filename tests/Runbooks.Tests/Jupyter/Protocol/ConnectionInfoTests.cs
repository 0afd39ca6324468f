using Runbooks.Jupyter.Protocol;

namespace Runbooks.Tests.Jupyter.Protocol;

public class ConnectionInfoTests
{
    [Fact]
    public void A_connection_file_as_jupyter_client_writes_it_gives_each_channel_its_address()
    {
        using var folder = new TempFolder();
        var path = folder.File("kernel-1.json", """
            {"shell_port": 40001, "iopub_port": 40002, "stdin_port": 40003, "control_port": 40004, "hb_port": 40005,
             "ip": "127.0.0.1", "key": "5b2e", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "runbook-csharp"}
            """);
        var info = ConnectionInfo.Read(path);
        Assert.Equal("tcp://127.0.0.1:40001", info.Address(info.ShellPort));
        Assert.Equal("tcp://127.0.0.1:40005", info.Address(info.HeartbeatPort));
        Assert.Equal("5b2e", info.Key);
    }

    [Theory]
    [InlineData("""{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "signature_scheme": "hmac-md5"}""", "hmac-sha256 only")]
    [InlineData("""{"shell_port": 1, "iopub_port": 2}""", "lacks a port")]
    [InlineData("""{"shell_port": """, "not valid JSON")]
    public void A_bad_connection_file_is_refused_naming_what_is_wrong(string json, string expected)
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidDataException>(() => ConnectionInfo.Read(folder.File("kernel.json", json)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_missing_connection_file_says_where_it_should_come_from()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectionInfo.Read("/nonexistent/kernel.json"));
        Assert.Contains("-f {connection_file}", e.Message);
    }
}
