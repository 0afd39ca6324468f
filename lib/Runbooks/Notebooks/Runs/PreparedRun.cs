using Runbooks.Catalogue;
using Runbooks.Notebooks.Execution;

namespace Runbooks.Notebooks.Runs;

/// <summary>A run resolved and ready: the notebook with its parameters injected, where it goes, how it runs.</summary>
public sealed record PreparedRun(
    string Name,
    string SourcePath,
    string OutputPath,
    CatalogueNotebook? Entry,
    string? ProfileName,
    Notebook Notebook,
    ExecutionOptions Options);
