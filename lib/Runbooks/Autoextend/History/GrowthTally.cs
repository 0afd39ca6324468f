using System.Collections.Immutable;

namespace Runbooks.Autoextend.History;

/// <summary>
/// What the metrics show of one volume: its last sample and how many of each event it has had. Made from the
/// history read back (<see cref="Of"/>) or kept up as the grower goes (<see cref="With"/>), the same either way.
/// </summary>
public sealed record GrowthTally(
    string Volume, GrowthRecord? LastSample, long Extends, long DisksAdded, long Repairs, long Failures, long Alerts,
    long GrownBytes, DateTimeOffset? LastAction)
{
    public static GrowthTally Empty(string volume) => new(volume, null, 0, 0, 0, 0, 0, 0, null);

    /// <summary>One tally per volume, in the order the volumes first appear.</summary>
    public static ImmutableArray<GrowthTally> Of(IEnumerable<GrowthRecord> records)
    {
        var tallies = new Dictionary<string, GrowthTally>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var record in records)
        {
            if (!tallies.TryGetValue(record.Volume, out var tally))
            {
                order.Add(record.Volume);
                tally = Empty(record.Volume);
            }
            tallies[record.Volume] = tally.With(record);
        }
        return [.. order.Select(v => tallies[v])];
    }

    /// <summary>This tally with one more record of its volume counted; records may come in any order.</summary>
    public GrowthTally With(GrowthRecord record)
    {
        if (record.Volume != Volume)
            throw new ArgumentException($"a record of {record.Volume} counted in the tally of {Volume}", nameof(record));
        var tally = record.Kind switch
        {
            GrowthEvent.Sample => LastSample is null || record.Time >= LastSample.Time ? this with { LastSample = record } : this,
            GrowthEvent.Extend => this with { Extends = Extends + 1, GrownBytes = GrownBytes + (record.ActionBytes ?? 0) },
            GrowthEvent.AddDisk => this with { DisksAdded = DisksAdded + 1 },
            GrowthEvent.Repair => this with { Repairs = Repairs + 1 },
            GrowthEvent.Error => this with { Failures = Failures + 1 },
            GrowthEvent.Alert => this with { Alerts = Alerts + 1 },
            _ => this,
        };
        return GrowthEvents.IsAction(record.Kind) && (LastAction is null || record.Time > LastAction)
            ? tally with { LastAction = record.Time }
            : tally;
    }
}
