using System.Collections.Immutable;
using System.Net;
using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>Where the kernel would send a locally generated packet, and the rule and route that decided it.</summary>
public sealed record RouteDecision(IPAddress Destination, Route? Route, RoutingRule? Rule)
{
    public string? Device => Route?.Device;

    public IEnumerable<string> Evidence =>
        new[] { Rule?.Text is { } rule ? $"ip rule: {rule}" : null, Route is { } route ? $"ip route: {route.Text}{(route.Table == "main" ? "" : $" table {route.Table}")}" : $"no route to {Destination}" }
            .OfType<string>();
}

/// <summary>
/// The kernel's route lookup, replayed over a snapshot: policy rules in priority order, then the longest
/// matching prefix of the rule's table (lowest metric on a tie). Rules that select on things a plain locally
/// generated packet does not have (a source address, an input or output device, a firewall mark) are passed
/// over, except negated mark rules, which such a packet matches (wg-quick's "not fwmark" rule is one).
/// </summary>
public static class RouteLookup
{
    public static RouteDecision Lookup(NetworkSnapshot snapshot, IPAddress destination)
    {
        var family = destination.AddressFamily;
        var rules = snapshot.Rules.Where(r => r.Family == family).OrderBy(r => r.Priority).ToList();
        if (rules.Count == 0)
            rules = [new RoutingRule(family, 32766, null, null, null, null, null, false, "lookup", "main", "32766: from all lookup main")];

        foreach (var rule in rules)
        {
            if (!Applies(rule, destination))
                continue;
            if (rule.Action != "lookup" || rule.Table is null)
            {
                if (rule.Action is "blackhole" or "unreachable" or "prohibit")
                    return new RouteDecision(destination, null, rule);
                continue;
            }
            var route = snapshot.Routes
                .Where(r => r.Family == family && TableMatches(r.Table, rule.Table) && r.Destination.Contains(destination) && r.Type is not "broadcast" and not "multicast")
                .OrderByDescending(r => r.Destination.PrefixLength)
                .ThenBy(r => r.Metric ?? 0)
                .FirstOrDefault();
            if (route is null || route.Type == "throw")
                continue;
            return new RouteDecision(destination, route, rule);
        }
        return new RouteDecision(destination, null, null);
    }

    private static bool Applies(RoutingRule rule, IPAddress destination) =>
        rule.From is null or { PrefixLength: 0 }
        && rule.InputInterface is null or "lo"
        && rule.OutputInterface is null
        && (rule.FirewallMark is null ? !rule.Invert : rule.Invert)
        && (rule.To is null || rule.To.Value.Contains(destination));

    // ip prints table 254 as "main", 255 as "local", 253 as "default".
    private static bool TableMatches(string routeTable, string ruleTable) =>
        Normalise(routeTable) == Normalise(ruleTable);

    private static string Normalise(string table) => table switch { "254" => "main", "255" => "local", "253" => "default", _ => table };

    /// <summary>Routes, in any table, that send part of <paramref name="subnet"/> somewhere other than <paramref name="device"/>.</summary>
    public static ImmutableArray<Route> RoutesAround(NetworkSnapshot snapshot, IPNetwork subnet, string device) =>
        [.. snapshot.Routes.Where(r =>
            r.Family == subnet.BaseAddress.AddressFamily
            && r.Type is "unicast" or "blackhole" or "unreachable" or "prohibit"
            && r.Device != device
            && r.Destination.PrefixLength > 0
            && subnet.Covers(r.Destination)
            && Normalise(r.Table) != "local")];
}
