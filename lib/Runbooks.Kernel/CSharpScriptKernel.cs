using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;

namespace Runbooks.Notebooks.Kernel;

/// <summary>What a running cell reports: its output, displays, and its value.</summary>
public interface ICellSink
{
    void Stream(string name, string text);

    void Display(string displayId, IReadOnlyList<MimeData> data);

    void UpdateDisplay(string displayId, IReadOnlyList<MimeData> data);

    void Result(IReadOnlyList<MimeData> data);
}

/// <summary>
/// Runs C# cells one after another as Roslyn script submissions, so variables, types and usings of one
/// cell are visible in the next, as in VS Code's C# kernel. <c>#r</c> and <c>#load</c> resolve from the notebook's folder.
/// </summary>
public sealed class CSharpScriptKernel
{
    /// <summary>
    /// The usings .NET Interactive's C# kernel (VS Code's) gives every cell, no more: a notebook that leans on one it
    /// lacks (System.IO, System.Threading, the formatting namespace) must fail here as it does there.
    /// </summary>
    public static readonly ImmutableArray<string> DefaultImports =
    [
        "System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq",
    ];

    // Reading ~200 assemblies' metadata is the costly part of a kernel's start: done once per process.
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() => [.. DefaultReferences()]);

    private readonly string _baseDirectory;
    private readonly ScriptOptions _options;
    private ScriptState<object>? _state;
    private ImmutableDictionary<string, string> _valueCells = ImmutableDictionary<string, string>.Empty;

    public CSharpScriptKernel(string baseDirectory, IEnumerable<string>? extraReferences = null)
    {
        _baseDirectory = Path.GetFullPath(baseDirectory);
        _options = ScriptOptions.Default
            .WithReferences(s_references.Value.AddRange((extraReferences ?? []).Select(PackageReference)))
            .WithImports(DefaultImports.Append("Microsoft.DotNet.Interactive.Kernel"))
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(_baseDirectory).WithSearchPaths(_baseDirectory))
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(_baseDirectory).WithSearchPaths(_baseDirectory))
            .WithEmitDebugInformation(true)
            .WithFileEncoding(System.Text.Encoding.UTF8)
            .WithAllowUnsafe(true)
            .WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Preview);
    }

    // Cells may use anything of the framework and of the Runbooks library, as a notebook in VS Code can
    // after `#r` of the library: reference every assembly the kernel process itself was started with.
    // The trusted platform assemblies are managed by definition, so no check is needed. AssemblyMetadata
    // maps each file and reads what the compiler asks for; MetadataReference.CreateFromFile would read
    // ~180 whole files (measured: 214 → 140 MiB kernel peak, 100–150 → ~10 ms to load, docs/benchmarks.md).
    private static MetadataReference Reference(string path) => AssemblyMetadata.CreateFromFile(path).GetReference(filePath: path);

    /// <summary>The extern alias under which a package's own copy of .NET Interactive is referenced (<c>extern alias DotNetInteractive;</c>).</summary>
    public const string DotNetInteractiveAlias = "DotNetInteractive";

    // A package that brings the real .NET Interactive (or ASP.NET's HTML types) would put a second Kernel, Formatter,
    // DisplayExtensions, HtmlString in the global namespace beside the engine's look-alikes: every later cell failed with
    // CS0433. Referenced under an alias, the package's code still binds to them at run time, and cells keep the engine's.
    private static MetadataReference PackageReference(string path)
    {
        var name = Path.GetFileName(path);
        var collides = name.StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.AspNetCore.Html", StringComparison.Ordinal);
        return collides ? Reference(path).WithAliases([DotNetInteractiveAlias]) : Reference(path);
    }

    private static IEnumerable<MetadataReference> DefaultReferences()
    {
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var own = new[] { typeof(CSharpScriptKernel).Assembly.Location, typeof(Formatter).Assembly.Location };
        return trusted.Concat(own)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(path))
            .Distinct(StringComparer.Ordinal)
            .Select(Reference);
    }

    /// <summary>The submission the next cell continues (null before the first cell): what completion and inspection see.</summary>
    public Script? LastSubmission => _state?.Script;

    public ScriptOptions Options => _options;

    /// <summary>
    /// Compiles and runs a throwaway submission so the compiler's one-time warm-up (JIT, reference
    /// loading: a second or more) is paid at kernel start, not charged to the first cell's timeout.
    /// </summary>
    public static async Task WarmUpAsync()
    {
        var kernel = new CSharpScriptKernel(Path.GetTempPath());
        var warmUp = await CSharpScript.Create("var warm = new List<int> { 1 }.Select(i => $\"{i}\").First();", kernel._options.WithFilePath(Path.Combine(kernel._baseDirectory, "warm-up.csx")))
            .RunAsync().ConfigureAwait(false);
        _ = warmUp.ReturnValue;
    }

    /// <summary>Keeps a <c>#!value --name NAME</c> cell's text for <c>#!share --from value NAME</c>; returns null, or why it cannot.</summary>
    public KernelError? StoreValueCell(string source)
    {
        if (MagicCommands.ValueCell(source) is not var (name, text))
            return new KernelError("UnsupportedFeature", "a value cell must start with #!value --name NAME (its text is then shared with #!share --from value NAME)", 1, []);
        _valueCells = _valueCells.SetItem(name, text);
        // VS Code's value kernel shows what it keeps.
        text.DisplayAs(Formatter.PlainText);
        return null;
    }

    /// <summary>Runs one cell; returns null when it succeeded, otherwise why it failed.</summary>
    public async Task<KernelError?> ExecuteAsync(int cellNumber, string source, ICellSink sink)
    {
        var cell = PreparedCell.From(source, new KernelValues(
            [.. (_state?.Variables ?? []).Select(v => v.Name).Distinct()], _valueCells));
        if (cell.Unsupported is { } unsupported)
            return new KernelError("UnsupportedFeature", unsupported, null, []);

        var cellPath = Path.Combine(_baseDirectory, $"cell-{cellNumber}.csx");
        var options = _options.WithFilePath(cellPath);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            _state = _state is null
                ? await CSharpScript.Create(cell.Code, options).RunAsync(globals: null, catchException: _ => true).ConfigureAwait(false)
                : await _state.ContinueWithAsync(cell.Code, options, catchException: _ => true).ConfigureAwait(false);
        }
        catch (CompilationErrorException e)
        {
            return CompilationError(e, cellPath);
        }

        if (cell.Timed)
            sink.Stream(StreamOutputName, $"Wall time: {stopwatch.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms\n");
        if (_state.Exception is { } exception)
            return RuntimeError(exception, cellPath);
        if (_state.ReturnValue is { } value)
        {
            // A formatter that throws (a notebook's own, or ours on a value it cannot take) fails this cell, not the kernel.
            try
            {
                sink.Result([.. Formatter.FormatAll(value).Select(f => new MimeData(f.MimeType, f.Value))]);
            }
            catch (Exception e)
            {
                return RuntimeError(e, cellPath);
            }
        }
        return null;
    }

    private const string StreamOutputName = "stdout";

    private static KernelError CompilationError(CompilationErrorException e, string cellPath)
    {
        var errors = e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var lines = errors.Select(d => Describe(d, cellPath)).ToList();
        var firstLine = errors.Select(d => d.Location.GetMappedLineSpan())
            .Where(span => span.Path == cellPath)
            .Select(span => (int?)span.StartLinePosition.Line + 1)
            .FirstOrDefault();
        return new KernelError("CompilationError", string.Join(Environment.NewLine, lines), firstLine, lines);
    }

    private static string Describe(Diagnostic diagnostic, string cellPath)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var where = span.Path == cellPath || string.IsNullOrEmpty(span.Path)
            ? $"line {span.StartLinePosition.Line + 1}, column {span.StartLinePosition.Character + 1}"
            : $"{Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
        return $"{where}: {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}";
    }

    private static KernelError RuntimeError(Exception exception, string cellPath)
    {
        var root = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        var line = new StackTrace(root, fNeedFileInfo: true).GetFrames()
            .Where(f => f.GetFileName() == cellPath)
            .Select(f => (int?)f.GetFileLineNumber())
            .FirstOrDefault(l => l > 0);
        // The frames below the cell's own are the scripting engine's: noise to a reader of the runbook.
        var traceback = root.ToString().ReplaceLineEndings("\n").Split('\n')
            .TakeWhile(l => !l.Contains("Microsoft.CodeAnalysis.Scripting.", StringComparison.Ordinal))
            .Where(l => l != "--- End of stack trace from previous location ---")
            .Select(l => l.Replace(cellPath, $"cell {Path.GetFileNameWithoutExtension(cellPath)[5..]}", StringComparison.Ordinal))
            .ToList();
        return new KernelError(root.GetType().Name, root.Message, line, traceback);
    }
}
