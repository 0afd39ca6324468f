using System.Text;
using Runbooks.Text;

namespace Runbooks.Notebooks.Parameters;

/// <summary>
/// Papermill's way: the values go into a new cell tagged <c>injected-parameters</c> right after the
/// cell tagged <c>parameters</c> (replacing one injected before), so the executed copy shows which values ran.
/// </summary>
public static class ParameterInjector
{
    public static NotebookCell? FindParametersCell(Notebook notebook) =>
        notebook.Cells.FirstOrDefault(c => c.Kind == CellKind.Code && c.HasTag(NotebookParameter.ParametersTag));

    public static IReadOnlyList<NotebookParameter> Describe(Notebook notebook) =>
        FindParametersCell(notebook) is { } cell ? NotebookParameter.ParseCell(cell.Source) : [];

    public static Notebook Inject(Notebook notebook, IReadOnlyList<KeyValuePair<string, ParameterValue>> values, string origin)
    {
        var withoutOldInjection = notebook.WithCells(notebook.Cells.Where(c => !c.HasTag(NotebookParameter.InjectedTag)));
        if (values.Count == 0)
            return withoutOldInjection;

        var parametersCell = FindParametersCell(withoutOldInjection)
            ?? throw new ParameterException($"the notebook has no cell tagged '{NotebookParameter.ParametersTag}', so {string.Join(", ", values.Select(v => v.Key))} cannot be set. Tag the cell holding the defaults 'parameters' (in a .dib: start it with '// parameters').");
        var declared = NotebookParameter.ParseCell(parametersCell.Source).ToDictionary(p => p.Name, StringComparer.Ordinal);

        var code = new StringBuilder($"// Parameters injected by runbook ({origin})\n");
        var problems = new List<string>();
        foreach (var (name, value) in values)
        {
            if (!declared.TryGetValue(name, out var parameter))
            {
                problems.Add($"the notebook has no parameter '{name}'{Suggestions.Hint(name, declared.Keys)} It declares: {(declared.Count == 0 ? "none" : string.Join(", ", declared.Keys))}.");
                continue;
            }
            try
            {
                code.Append(parameter.TypeName).Append(' ').Append(name).Append(" = ").Append(value.ToCSharp(parameter)).Append(";\n");
            }
            catch (ParameterException e)
            {
                problems.Add(e.Message);
            }
        }
        if (problems.Count > 0)
            throw new ParameterException(string.Join(Environment.NewLine, problems));

        var injected = new NotebookCell
        {
            Kind = CellKind.Code,
            Source = code.ToString().TrimEnd('\n'),
            Language = parametersCell.Language,
            Tags = [NotebookParameter.InjectedTag],
        };
        var cells = withoutOldInjection.Cells.ToList();
        cells.Insert(cells.IndexOf(parametersCell) + 1, injected);
        return withoutOldInjection.WithCells(cells);
    }
}
