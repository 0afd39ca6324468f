using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Runbooks.Notebooks.Parameters;

/// <summary>One parameter a notebook declares in its <c>parameters</c> cell: <c>string host = "client"; // the machine</c>.</summary>
public sealed record NotebookParameter(string Name, string TypeName, string DefaultExpression, string? Description)
{
    public const string ParametersTag = "parameters";
    public const string InjectedTag = "injected-parameters";

    /// <summary>The declarations of a parameters cell, in order; <c>var</c> takes the type of its literal.</summary>
    public static ImmutableArray<NotebookParameter> ParseCell(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, CSharpParseOptions.Default.WithKind(SourceCodeKind.Script)).GetRoot();
        var parameters = ImmutableArray.CreateBuilder<NotebookParameter>();
        // At the top level of a script a declaration is a field, inside a block a local: take both, in order.
        foreach (var declaration in root.DescendantNodes().OfType<VariableDeclarationSyntax>()
                     .Where(d => d.Parent is LocalDeclarationStatementSyntax or FieldDeclarationSyntax))
        {
            foreach (var variable in declaration.Variables)
            {
                var initializer = variable.Initializer?.Value;
                var type = declaration.Type.IsVar ? InferType(initializer) : declaration.Type.ToString();
                parameters.Add(new NotebookParameter(variable.Identifier.Text, type, initializer?.ToString() ?? "default", TrailingComment(declaration.Parent!)));
            }
        }
        return parameters.ToImmutable();
    }

    private static string InferType(ExpressionSyntax? initializer) => initializer switch
    {
        LiteralExpressionSyntax literal => literal.Token.Value switch
        {
            string => "string",
            bool => "bool",
            int => "int",
            long => "long",
            double => "double",
            float => "float",
            decimal => "decimal",
            char => "char",
            _ => "var",
        },
        InterpolatedStringExpressionSyntax => "string",
        PrefixUnaryExpressionSyntax { Operand: var operand } => InferType(operand),
        ImplicitArrayCreationExpressionSyntax array when array.Initializer.Expressions.All(e => InferType(e) == "string") => "string[]",
        ImplicitArrayCreationExpressionSyntax array when array.Initializer.Expressions.All(e => InferType(e) == "int") => "int[]",
        ArrayCreationExpressionSyntax array => array.Type.ToString(),
        ObjectCreationExpressionSyntax creation => creation.Type.ToString(),
        _ => "var",
    };

    private static string? TrailingComment(SyntaxNode node)
    {
        var comment = node.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia));
        return comment == default ? null : comment.ToString().TrimStart('/').Trim();
    }
}
