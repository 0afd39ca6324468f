namespace Runbooks.Notebooks.Runs;

/// <summary>A run that cannot start as asked (unknown notebook or profile, output over the source…); nothing was executed.</summary>
public sealed class RunException(string message) : Exception(message);
