using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Runbooks.Tests.Jupyter;

/// <summary>
/// Debian's Jupyter Notebook server on a free loopback port, serving a folder, finding the runbook kernel through
/// the test's JUPYTER_PATH, its config and runtime files in a scratch folder of its own; stopped on dispose.
/// </summary>
internal sealed class NotebookServer : IDisposable
{
    private readonly Process _process;
    private readonly string _home;

    private NotebookServer(Process process, string home, int port, string token)
    {
        _process = process;
        _home = home;
        Port = port;
        Token = token;
    }

    public int Port { get; }

    public string Token { get; }

    public string Url(string notebook) => $"http://127.0.0.1:{Port}/notebooks/{Uri.EscapeDataString(notebook)}?token={Token}";

    public static async Task<NotebookServer> StartAsync(JupyterClients clients, string folder)
    {
        var port = FreePort();
        var token = Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("/usr/bin/jupyter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1", $"--port={port}", $"--NotebookApp.token={token}", $"--NotebookApp.notebook_dir={folder}" })
            start.ArgumentList.Add(argument);
        var home = Directory.CreateTempSubdirectory("runbook-notebook-server-").FullName;
        start.Environment["JUPYTER_PATH"] = clients.JupyterPath;
        start.Environment["JUPYTER_CONFIG_DIR"] = Path.Combine(home, "config");
        start.Environment["JUPYTER_RUNTIME_DIR"] = Path.Combine(home, "runtime");
        var server = new NotebookServer(Process.Start(start)!, home, port, token);
        server._process.OutputDataReceived += (_, _) => { };
        server._process.ErrorDataReceived += (_, _) => { };
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 120; attempt++)
        {
            if (server._process.HasExited)
                break;
            try
            {
                using var reply = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/status?token={token}")).ConfigureAwait(false);
                if (reply.StatusCode == HttpStatusCode.OK)
                    return server;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(500).ConfigureAwait(false);
        }
        server.Dispose();
        throw new InvalidOperationException($"jupyter notebook did not answer on port {port} within a minute");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // the server and the kernels it started
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
