using System.Diagnostics;
using System.Globalization;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Cli;

/// <summary>
/// Progress on stderr (stdout stays for --json and the cells' own output). On a terminal one line
/// rewrites itself with the running cell and its elapsed time; elsewhere (CI logs) one plain line per cell.
/// </summary>
internal sealed class ProgressReporter : IExecutionObserver, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _live;
    private readonly string _notebook;
    private readonly Func<string, string> _redact;
    private readonly Lock _gate = new();
    private readonly Timer? _timer;
    private readonly Stopwatch _cellClock = new();
    private string? _running;

    public ProgressReporter(TextWriter output, bool live, string notebook, Func<string, string> redact)
    {
        _out = output;
        _live = live;
        _notebook = notebook;
        _redact = redact;
        if (live)
            _timer = new Timer(_ => Redraw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    public static bool TerminalAttached => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb") && Environment.GetEnvironmentVariable("CI") is null;

    public void CellStarted(int number, int total, NotebookCell cell)
    {
        lock (_gate)
        {
            _running = $"[{number}/{total}] {_redact(NotebookExecutor.FirstLine(cell.Source))}";
            _cellClock.Restart();
        }
        Redraw();
    }

    public void CellFinished(CellResult result)
    {
        lock (_gate)
        {
            _running = null;
            var line = string.Format(CultureInfo.InvariantCulture, "{0} [{1,2}] {2,-9} {3,7:0.00}s  {4}", _notebook, result.Number, Notebooks.Formats.Ipynb.StatusName(result.Status), result.Duration.TotalSeconds, result.FirstLine);
            if (_live)
                _out.Write("\r\u001b[2K");
            _out.WriteLine(_redact(line));
            if (result.IsFailure && result.Error is { } error)
                _out.WriteLine("    " + _redact(error).ReplaceLineEndings(Environment.NewLine + "    "));
        }
    }

    private void Redraw()
    {
        if (!_live)
            return;
        lock (_gate)
        {
            if (_running is null)
                return;
            // Elapsed time before the code, so a narrow terminal still shows that the cell is alive.
            var text = string.Create(CultureInfo.InvariantCulture, $"{_notebook} {_cellClock.Elapsed.TotalSeconds,5:0.0}s {_running}");
            var columns = Console.IsErrorRedirected ? 0 : Console.WindowWidth;
            var width = columns > 20 ? columns - 1 : 120;
            _out.Write("\r\u001b[2K" + (text.Length > width ? text[..width] : text));
        }
    }

    public void Dispose() => _timer?.Dispose();
}
