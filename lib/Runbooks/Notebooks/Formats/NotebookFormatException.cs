namespace Runbooks.Notebooks.Formats;

/// <summary>A notebook file that cannot be read; the message names the file and what is wrong with it.</summary>
public sealed class NotebookFormatException(string message, Exception? inner = null) : Exception(message, inner);
