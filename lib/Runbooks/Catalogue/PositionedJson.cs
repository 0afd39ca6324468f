using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Runbooks.Catalogue;

// JsonDocument and JsonNode forget where things were in the file, and good errors need exactly that,
// so the catalogue is read into this small tree whose every node knows its line, column and key path.

/// <summary>A 1-based line and column; columns count UTF-16 characters, as editors do.</summary>
internal readonly record struct TextPosition(int Line, int Column);

internal abstract record PositionedNode(string Path, TextPosition Position);

/// <summary>An object; <see cref="Properties"/> in file order, first occurrence of any duplicated key only.</summary>
internal sealed record PositionedObject(string Path, TextPosition Position, ImmutableArray<PositionedProperty> Properties)
    : PositionedNode(Path, Position)
{
    public PositionedProperty? Find(string name)
    {
        foreach (var property in Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
                return property;
        }
        return null;
    }
}

internal sealed record PositionedProperty(string Name, TextPosition NamePosition, PositionedNode Value);

internal sealed record PositionedArray(string Path, TextPosition Position, ImmutableArray<PositionedNode> Items)
    : PositionedNode(Path, Position);

/// <summary>A string, number, true, false or null; <see cref="Value"/> owns its memory.</summary>
internal sealed record PositionedScalar(string Path, TextPosition Position, JsonElement Value)
    : PositionedNode(Path, Position);

internal static class KeyPaths
{
    public static string Child(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    public static string Item(string parent, int index) => $"{parent}[{index}]";
}

/// <summary>Collects problems against one file name, as the user gave it.</summary>
internal sealed class ProblemCollector(string file)
{
    private readonly List<CatalogueProblem> problems = [];

    public bool Any => problems.Count > 0;

    public void Add(TextPosition position, string keyPath, string message) =>
        problems.Add(new CatalogueProblem(file, position.Line, position.Column, keyPath, message));

    /// <summary>In document order, which is how people read and fix them; stable for equal positions.</summary>
    public ImmutableArray<CatalogueProblem> InDocumentOrder() =>
        [.. problems.OrderBy(p => p.Line ?? 0).ThenBy(p => p.Column ?? 0)];
}

/// <summary>Maps UTF-8 byte offsets to lines and character columns.</summary>
internal sealed class LineMap
{
    private readonly ReadOnlyMemory<byte> utf8;
    private readonly int[] lineStarts;

    public LineMap(ReadOnlyMemory<byte> utf8)
    {
        this.utf8 = utf8;
        var starts = new List<int> { 0 };
        var span = utf8.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] == (byte)'\n')
                starts.Add(i + 1);
        }
        lineStarts = [.. starts];
    }

    public TextPosition PositionOf(long byteOffset)
    {
        var offset = (int)Math.Clamp(byteOffset, 0, utf8.Length);
        var found = Array.BinarySearch(lineStarts, offset);
        var lineIndex = found >= 0 ? found : ~found - 1;
        var lineStart = lineStarts[lineIndex];
        var column = Encoding.UTF8.GetCharCount(utf8.Span[lineStart..offset]) + 1;
        return new TextPosition(lineIndex + 1, column);
    }

    /// <summary>For reader errors, which report a 0-based line and a byte position within it.</summary>
    public TextPosition PositionOf(long zeroBasedLine, long bytePositionInLine)
    {
        var lineIndex = (int)Math.Clamp(zeroBasedLine, 0, lineStarts.Length - 1);
        return PositionOf(lineStarts[lineIndex] + bytePositionInLine);
    }
}

internal static partial class PositionedJsonParser
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// The tree, or null after reporting the syntax error. Duplicate keys are reported only when the
    /// syntax is sound: a broken file gets exactly one problem, the one that stopped the reader.
    /// </summary>
    public static PositionedNode? Parse(ReadOnlyMemory<byte> utf8, ProblemCollector problems)
    {
        // The reader's own wording for this ("does not contain any JSON tokens ... isFinalBlock") helps nobody.
        if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            problems.Add(new TextPosition(1, 1), "", "invalid JSON: the file is empty; it needs at least { \"notebooks\": { ... } }");
            return null;
        }

        var lines = new LineMap(utf8);
        var duplicates = new List<(TextPosition Position, string Path, string Message)>();
        var reader = new Utf8JsonReader(utf8.Span, ReaderOptions);
        try
        {
            // Cannot return false on a final block: anything without a value throws instead.
            reader.Read();
            var root = ReadValue(ref reader, "", lines, duplicates);
            // Makes the reader reject anything after the root value.
            reader.Read();
            foreach (var (position, path, message) in duplicates)
                problems.Add(position, path, message);
            return root;
        }
        catch (JsonException e)
        {
            var position = e.LineNumber is { } line && e.BytePositionInLine is { } column
                ? lines.PositionOf(line, column)
                : lines.PositionOf(reader.TokenStartIndex);
            problems.Add(position, "", $"invalid JSON: {WithoutReaderPosition(e.Message)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // GetString refuses strings that are not valid UTF-8.
            problems.Add(lines.PositionOf(reader.TokenStartIndex), "", "invalid JSON: text is not valid UTF-8; save the file as UTF-8");
            return null;
        }
    }

    private static PositionedNode ReadValue(
        ref Utf8JsonReader reader, string path, LineMap lines, List<(TextPosition, string, string)> duplicates)
    {
        var position = lines.PositionOf(reader.TokenStartIndex);
        return reader.TokenType switch
        {
            JsonTokenType.StartObject => ReadObject(ref reader, path, position, lines, duplicates),
            JsonTokenType.StartArray => ReadArray(ref reader, path, position, lines, duplicates),
            _ => new PositionedScalar(path, position, JsonElement.ParseValue(ref reader)),
        };
    }

    private static PositionedObject ReadObject(
        ref Utf8JsonReader reader, string path, TextPosition position, LineMap lines,
        List<(TextPosition, string, string)> duplicates)
    {
        var properties = ImmutableArray.CreateBuilder<PositionedProperty>();
        var firstSeen = new Dictionary<string, TextPosition>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            var namePosition = lines.PositionOf(reader.TokenStartIndex);
            reader.Read();
            var value = ReadValue(ref reader, KeyPaths.Child(path, name), lines, duplicates);
            if (firstSeen.TryGetValue(name, out var first))
            {
                duplicates.Add((namePosition, path,
                    $"duplicate key \"{name}\" (first at line {first.Line}, column {first.Column}); keep only one of them"));
                continue;
            }
            firstSeen.Add(name, namePosition);
            properties.Add(new PositionedProperty(name, namePosition, value));
        }
        return new PositionedObject(path, position, properties.ToImmutable());
    }

    private static PositionedArray ReadArray(
        ref Utf8JsonReader reader, string path, TextPosition position, LineMap lines,
        List<(TextPosition, string, string)> duplicates)
    {
        var items = ImmutableArray.CreateBuilder<PositionedNode>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            items.Add(ReadValue(ref reader, KeyPaths.Item(path, items.Count), lines, duplicates));
        return new PositionedArray(path, position, items.ToImmutable());
    }

    // Our own position leads the problem line; the reader's 0-based, byte-counted copy would only confuse.
    private static string WithoutReaderPosition(string message) => ReaderPositionSuffix().Replace(message, "");

    [GeneratedRegex(@"\s*(Path: \S+ \|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex ReaderPositionSuffix();
}
