namespace Runbooks.Labs;

/// <summary>A lab twin could not be built, reached or removed. The message says what went wrong and what to do.</summary>
public class LabException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>The caller named something that does not exist (a lab, a machine): nothing was run.</summary>
public sealed class LabInputException(string message) : LabException(message);

/// <summary>The lab is not up (never built, taken down, or its machines died), so there is nothing to run commands on.</summary>
public sealed class LabNotUpException(string message) : LabException(message);

/// <summary>This machine cannot build the lab: a tool is missing or the process is not root. Nothing was built.</summary>
public sealed class LabPrerequisiteException(string message, IReadOnlyList<RequiredTool> missingTools) : LabException(message)
{
    /// <summary>The tools that were not found; empty when something else (such as root) is missing.</summary>
    public IReadOnlyList<RequiredTool> MissingTools { get; } = missingTools;
}
