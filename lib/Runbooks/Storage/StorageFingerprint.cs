using Runbooks.Checks;
using Runbooks.Network;
using Runbooks.Reports;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage;

/// <summary>
/// The part of a storage snapshot a fix changes, for "did check mode change anything?": without the capture's time,
/// the process list (the remounter's `sleep` gets a new pid every two seconds), usage (the service's log grows with
/// every request) and kernel messages.
/// </summary>
public static class StorageFingerprint
{
    private static readonly Fingerprint s_fingerprint = new(ReportJson.Options, "capturedAt", "uptime", "processes", "usage", "kernelMessages");

    public static string Of(StorageSnapshot state) => s_fingerprint.Of(state);

    public static string Difference(StorageSnapshot before, StorageSnapshot after) => s_fingerprint.Difference(before, after);

    /// <summary>Why two captures' fingerprints differ, for the error a notebook stops with: a capture that read fewer
    /// sections than the other (a section timed out) says nothing about the machine, and is named as such.</summary>
    public static string Explain(StorageSnapshot before, StorageSnapshot after)
    {
        var problems = after.Problems.Concat(before.Problems).Select(p => $"{p.Section}: {p.Message}").Distinct().ToList();
        return before.Problems.SequenceEqual(after.Problems)
            ? "check mode changed the machine's state: " + Difference(before, after)
            : "cannot tell whether check mode changed the machine: the two captures did not read the same sections (" + string.Join("; ", problems) + "). Capture again when the machine is less busy.";
    }
}
