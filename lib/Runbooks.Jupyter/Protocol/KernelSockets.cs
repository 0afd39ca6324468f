using System.Collections.Concurrent;
using NetMQ;
using NetMQ.Sockets;

namespace Runbooks.Jupyter.Protocol;

/// <summary>The five channels of a kernel; shell, control and stdin answer the requests they carry.</summary>
public enum JupyterChannel
{
    Shell,
    Control,
    Stdin,
    IoPub,
}

/// <summary>
/// The kernel's ZeroMQ sockets, all owned by one poller thread (NetMQ sockets are not thread-safe): it reads
/// requests, echoes heartbeats and sends what other threads queued. So the heartbeat and the control channel
/// (interrupt, shutdown) are answered while a cell runs on the execution thread.
/// </summary>
public sealed class KernelSockets : IDisposable
{
    private readonly WireCodec _codec;
    private readonly RouterSocket _shell = new();
    private readonly RouterSocket _control = new();
    private readonly RouterSocket _stdin = new();
    private readonly PublisherSocket _iopub = new();
    private readonly ResponseSocket _heartbeat = new();
    private readonly NetMQQueue<(JupyterChannel Channel, JupyterMessage Message)> _outgoing = new();
    private readonly NetMQPoller _poller;
    private readonly Action<JupyterChannel, JupyterMessage> _onRequest;
    private readonly Action<string> _log;
    private Thread? _thread;

    public KernelSockets(ConnectionInfo connection, Action<JupyterChannel, JupyterMessage> onRequest, Action<string> log)
    {
        _codec = new WireCodec(new MessageSigner(connection.Key));
        _onRequest = onRequest;
        _log = log;
        _shell.Bind(connection.Address(connection.ShellPort));
        _control.Bind(connection.Address(connection.ControlPort));
        _stdin.Bind(connection.Address(connection.StdinPort));
        _iopub.Bind(connection.Address(connection.IopubPort));
        _heartbeat.Bind(connection.Address(connection.HeartbeatPort));

        _shell.ReceiveReady += (_, e) => Receive(JupyterChannel.Shell, e.Socket);
        _control.ReceiveReady += (_, e) => Receive(JupyterChannel.Control, e.Socket);
        _stdin.ReceiveReady += (_, e) => Receive(JupyterChannel.Stdin, e.Socket);
        _heartbeat.ReceiveReady += (_, e) => e.Socket.SendMultipartMessage(e.Socket.ReceiveMultipartMessage());
        _outgoing.ReceiveReady += (_, e) =>
        {
            while (e.Queue.TryDequeue(out var item, TimeSpan.Zero))
                SendNow(item.Channel, item.Message);
        };
        _poller = [_shell, _control, _stdin, _heartbeat, _outgoing];
    }

    public void Start()
    {
        _thread = new Thread(_poller.Run) { IsBackground = true, Name = "jupyter-sockets" };
        _thread.Start();
    }

    /// <summary>Queues a message for its channel; safe from any thread.</summary>
    public void Send(JupyterChannel channel, JupyterMessage message) => _outgoing.Enqueue((channel, message));

    private void Receive(JupyterChannel channel, NetMQSocket socket)
    {
        var frames = socket.ReceiveMultipartMessage().Select(frame => frame.ToByteArray()).ToList();
        JupyterMessage message;
        try
        {
            message = _codec.Decode(frames);
        }
        catch (InvalidMessageException e)
        {
            _log($"{channel}: {e.Message}");
            return;
        }
        _onRequest(channel, message);
    }

    private void SendNow(JupyterChannel channel, JupyterMessage message)
    {
        var frames = _codec.Encode(message);
        var wire = new NetMQMessage();
        if (channel == JupyterChannel.IoPub)
            wire.Append("kernel." + message.Type); // the topic; clients subscribe to everything
        foreach (var frame in frames)
            wire.Append(frame);
        SocketOf(channel).SendMultipartMessage(wire);
    }

    private NetMQSocket SocketOf(JupyterChannel channel) => channel switch
    {
        JupyterChannel.Shell => _shell,
        JupyterChannel.Control => _control,
        JupyterChannel.Stdin => _stdin,
        _ => _iopub,
    };

    /// <summary>Sends what is still queued (a shutdown reply, the last status), then stops the poller.</summary>
    public void Dispose()
    {
        _poller.Stop();
        // The poller thread is gone: this thread owns the sockets now and sends the rest itself.
        while (_outgoing.TryDequeue(out var item, TimeSpan.Zero))
            SendNow(item.Channel, item.Message);
        foreach (var socket in new NetMQSocket[] { _shell, _control, _stdin, _iopub, _heartbeat })
        {
            socket.Options.Linger = TimeSpan.FromSeconds(1);
            socket.Dispose();
        }
        _outgoing.Dispose();
        _poller.Dispose();
        NetMQConfig.Cleanup(block: false);
    }
}
