using System.Text;

namespace Runbooks.Notebooks.Kernel;

/// <summary>
/// Console.Out/Error of the cells: sends what was written in chunks of up to ~4 KiB, the rest on flush (the
/// kernel flushes at the end of a cell, before each display, and on a timer so a cell that never ends still shows its output).
/// Shared by the engine's kernel process and the Jupyter kernel.
/// </summary>
public sealed class CellOutputWriter(ICellSink sink, string name) : TextWriter
{
    private readonly StringBuilder _buffer = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
        {
            _buffer.Append(value);
            if (value == '\n' && _buffer.Length >= 4096)
                FlushLocked();
        }
    }

    public override void Write(string? value)
    {
        if (value is null)
            return;
        lock (_gate)
        {
            _buffer.Append(value);
            if (_buffer.Length >= 4096)
                FlushLocked();
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        lock (_gate)
            FlushLocked();
    }

    private void FlushLocked()
    {
        if (_buffer.Length == 0)
            return;
        var text = _buffer.ToString();
        _buffer.Clear();
        sink.Stream(name, text);
    }
}
