using Runbooks.Checks;
using Runbooks.Network.Checks;
using Runbooks.Reports;

namespace Runbooks.Network;

/// <summary>
/// The configuration part of a pair's state, for "did this change anything?": the snapshots without what
/// moves on its own (capture time, handshake times, byte counters, process ids).
/// </summary>
public static class StateFingerprint
{
    private static readonly Fingerprint s_fingerprint = new(ReportJson.Options, "capturedAt", "latestHandshake", "receivedBytes", "sentBytes", "processId", "packets", "bytes");

    public static string Of(TunnelState state) => s_fingerprint.Of(Both(state));

    /// <summary>The lines that differ ("- before", "+ after"), as JSON paths with values; empty when equal.</summary>
    public static string Difference(TunnelState before, TunnelState after) => s_fingerprint.Difference(Both(before), Both(after));

    private static object Both(TunnelState state) => new { server = state.Server, client = state.Client };
}
