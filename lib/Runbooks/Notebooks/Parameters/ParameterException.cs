namespace Runbooks.Notebooks.Parameters;

/// <summary>A parameter value that cannot be given to the notebook; the message says which and why.</summary>
public sealed class ParameterException(string message) : Exception(message);
