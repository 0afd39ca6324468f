using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Runbooks.Notebooks.Kernel;

namespace Runbooks.Jupyter;

/// <summary>
/// is_complete, complete and inspect from Roslyn: the code being typed is compiled as the next submission
/// after the cells run so far, so it sees their variables, types and usings.
/// </summary>
internal static class CodeAssistance
{
    private const int MaxMatches = 300;

    private static readonly CSharpParseOptions s_scriptParse = new(LanguageVersion.Preview, kind: SourceCodeKind.Script);

    public static JsonObject IsComplete(string code)
    {
        if (string.IsNullOrWhiteSpace(code))
            return new JsonObject { ["status"] = "complete" };
        var tree = SyntaxFactory.ParseSyntaxTree(code, s_scriptParse);
        return SyntaxFactory.IsCompleteSubmission(tree)
            ? new JsonObject { ["status"] = "complete" }
            : new JsonObject { ["status"] = "incomplete", ["indent"] = "    " };
    }

    public static JsonObject Complete(CSharpScriptKernel kernel, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_'))
            start--;
        var prefix = code[start..cursor];
        var (model, root) = Compile(kernel, code);

        IEnumerable<ISymbol> symbols;
        if (start > 0 && code[start - 1] == '.' && root.FindToken(start - 1).Parent is MemberAccessExpressionSyntax access)
        {
            var target = model.GetSymbolInfo(access.Expression).Symbol;
            symbols = target is INamespaceOrTypeSymbol container
                ? model.LookupSymbols(start, container, includeReducedExtensionMethods: true)
                : model.GetTypeInfo(access.Expression).Type is { } type
                    ? model.LookupSymbols(start, type, includeReducedExtensionMethods: true)
                    : [];
        }
        else
        {
            symbols = model.LookupSymbols(start);
        }
        var matches = symbols
            .Where(s => s.CanBeReferencedByName && s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Take(MaxMatches);
        return new JsonObject
        {
            ["status"] = "ok",
            ["matches"] = new JsonArray([.. matches.Select(m => (JsonNode?)JsonValue.Create(m))]),
            ["cursor_start"] = start,
            ["cursor_end"] = cursor,
            ["metadata"] = new JsonObject(),
        };
    }

    public static JsonObject Inspect(CSharpScriptKernel kernel, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var (model, root) = Compile(kernel, code);
        var symbol = SymbolAt(model, root, cursor) ?? (cursor > 0 ? SymbolAt(model, root, cursor - 1) : null);
        if (symbol is null)
            return new JsonObject { ["status"] = "ok", ["found"] = false, ["data"] = new JsonObject(), ["metadata"] = new JsonObject() };
        var text = symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
        if (Summary(symbol) is { } summary)
            text += "\n\n" + summary;
        return new JsonObject
        {
            ["status"] = "ok",
            ["found"] = true,
            ["data"] = new JsonObject { ["text/plain"] = text },
            ["metadata"] = new JsonObject(),
        };
    }

    private static (SemanticModel Model, SyntaxNode Root) Compile(CSharpScriptKernel kernel, string code)
    {
        var script = kernel.LastSubmission is { } last ? last.ContinueWith(code, kernel.Options) : CSharpScript.Create(code, kernel.Options);
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Last();
        return (compilation.GetSemanticModel(tree), tree.GetRoot());
    }

    private static ISymbol? SymbolAt(SemanticModel model, SyntaxNode root, int position)
    {
        var token = root.FindToken(position);
        if (!token.IsKind(SyntaxKind.IdentifierToken) || token.Parent is not { } node)
            return null;
        var info = model.GetSymbolInfo(node);
        return info.Symbol ?? info.CandidateSymbols.FirstOrDefault() ?? model.GetDeclaredSymbol(node) ?? model.GetTypeInfo(node).Type;
    }

    private static string? Summary(ISymbol symbol)
    {
        var xml = symbol.GetDocumentationCommentXml();
        if (string.IsNullOrWhiteSpace(xml))
            return null;
        try
        {
            var summary = XElement.Parse(xml).Element("summary");
            return summary is null ? null : string.Join(' ', summary.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }
}
