using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses the JSON of iproute2 (<c>ip -j -d addr</c>, <c>ip -j route show table all</c>, <c>ip -j rule</c>).
/// </summary>
/// <remarks>
/// Without <c>-d</c>, ip leaves out every value that is the default: a route with no "type" is unicast, with no
/// "table" is in main, with no "protocol" was added by hand or at boot ("boot"), with no "scope" is global. The
/// parser puts those defaults back, so output with and without <c>-d</c> gives the same records.
/// </remarks>
public static class IpJsonParser
{
    private const string AddrFormat = "ip -j addr";
    private const string RouteFormat = "ip -j route";
    private const string RuleFormat = "ip -j rule";

    /// <summary>Interfaces and their addresses, from <c>ip -j [-d] addr</c>.</summary>
    public static ImmutableArray<NetworkLink> ParseLinks(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, AddrFormat);
        return [.. Json.Root(document, AddrFormat).Items().Select(ParseLink)];
    }

    /// <summary>Routes of every table printed, from <c>ip -j -4|-6 route show table all</c>.</summary>
    public static ImmutableArray<Route> ParseRoutes(string json, AddressFamily family)
    {
        RequireIpFamily(family);
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, RouteFormat);
        return [.. Json.Root(document, RouteFormat).Items().Select(item => ParseRoute(item, family))];
    }

    /// <summary>Policy rules, from <c>ip -j -4|-6 rule</c>.</summary>
    public static ImmutableArray<RoutingRule> ParseRules(string json, AddressFamily family)
    {
        RequireIpFamily(family);
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var document = Json.Parse(json, RuleFormat);
        return [.. Json.Root(document, RuleFormat).Items().Select(item => ParseRule(item, family))];
    }

    private static NetworkLink ParseLink(Json link)
    {
        var addresses = link.TryGet("addr_info") is { } info ? info.Items().Select(ParseAddress).ToImmutableArray() : [];
        return new NetworkLink(
            link.Required("ifindex").Int32(),
            link.Required("ifname").String(),
            link.Required("mtu").Int32(),
            link.TryGet("flags") is { } flags ? [.. flags.Items().Select(f => f.String())] : [],
            link.OptionalString("operstate") ?? "UNKNOWN",
            link.TryGet("linkinfo")?.OptionalString("info_kind"),
            link.OptionalString("link_type"),
            addresses);
    }

    private static InterfaceAddress ParseAddress(Json address)
    {
        var local = ParseAddressValue(address.Required("local"));
        var length = address.Required("prefixlen").Int32();
        RequirePrefixLength(address, local, length);
        // Address flags come as members set to true ("nodad": true), not as a list.
        var flags = address.Element.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.True)
            .Select(p => p.Name)
            .ToImmutableArray();
        return new InterfaceAddress(local, length, address.OptionalString("scope") ?? "global", flags)
        {
            Peer = address.TryGet("address") is { } peer ? ParseAddressValue(peer) : null,
        };
    }

    private static Route ParseRoute(Json route, AddressFamily family)
    {
        var dst = route.Required("dst");
        var destination = ParseDestination(dst, family);
        var type = route.OptionalString("type") ?? "unicast";
        var table = route.OptionalString("table") ?? "main";
        var protocol = route.OptionalString("protocol") ?? "boot";
        var scope = route.OptionalString("scope") ?? "global";
        var gateway = ParseGateway(route);
        var device = route.OptionalString("dev");
        var source = route.TryGet("prefsrc") is { } prefsrc ? ParseAddressValue(prefsrc) : null;
        var metric = route.OptionalInt32("metric");
        var onLink = HasFlag(route, "onlink");
        var nexthops = route.TryGet("nexthops") is { } hops
            ? hops.Items().Select(hop => new RouteNexthop(ParseGateway(hop), hop.OptionalString("dev"), hop.OptionalInt32("weight") ?? 1, HasFlag(hop, "onlink"))).ToImmutableArray()
            : [];

        var text = new StringBuilder();
        if (type != "unicast")
            text.Append(type).Append(' ');
        text.Append(dst.String());
        if (gateway is not null)
            text.Append(" via ").Append(gateway.AddressFamily == family ? "" : "inet6 ").Append(gateway);
        if (device is not null)
            text.Append(" dev ").Append(device);
        if (table != "main")
            text.Append(" table ").Append(table);
        if (protocol != "boot")
            text.Append(" proto ").Append(protocol);
        if (scope != "global")
            text.Append(" scope ").Append(scope);
        if (source is not null)
            text.Append(" src ").Append(source);
        if (metric is not null)
            text.Append(" metric ").Append(metric.Value);
        if (onLink)
            text.Append(" onlink");
        foreach (var hop in nexthops)
        {
            text.Append(" nexthop");
            if (hop.Gateway is not null)
                text.Append(" via ").Append(hop.Gateway.AddressFamily == family ? "" : "inet6 ").Append(hop.Gateway);
            if (hop.Device is not null)
                text.Append(" dev ").Append(hop.Device);
            text.Append(" weight ").Append(hop.Weight);
            if (hop.OnLink)
                text.Append(" onlink");
        }

        return new Route(family, destination, type, table, gateway, device, protocol, scope, source, metric, onLink, text.ToString())
        {
            Nexthops = nexthops,
        };
    }

    // "gateway" when the next hop has the route's family; "via" {family, host} when it has not (IPv4 over IPv6).
    private static IPAddress? ParseGateway(Json route) =>
        route.TryGet("gateway") is { } gateway ? ParseAddressValue(gateway)
        : route.TryGet("via") is { } via ? ParseAddressValue(via.Required("host"))
        : null;

    private static bool HasFlag(Json json, string flag) =>
        json.TryGet("flags") is { } flags && flags.Items().Any(f => f.String() == flag);

    private static RoutingRule ParseRule(Json rule, AddressFamily family)
    {
        var priority = rule.Required("priority").Int32();
        // ip prints the negation as a member with a null value: "not": null.
        var invert = rule.Has("not");
        var from = ParseSelector(rule, "src", "srclen", family);
        var to = ParseSelector(rule, "dst", "dstlen", family);
        var inputInterface = rule.OptionalString("iif");
        var outputInterface = rule.OptionalString("oif");
        var mark = rule.OptionalString("fwmark") is { } fwmark
            ? rule.OptionalString("fwmask") is { } mask && mask != "0xffffffff" ? $"{fwmark}/{mask}" : fwmark
            : null;
        var table = rule.OptionalString("table");
        var action = table is not null ? "lookup" : rule.OptionalString("action") ?? throw rule.Error("a rule with neither \"table\" nor \"action\"; expected one of them");

        var text = new StringBuilder().Append(priority).Append(": ");
        if (invert)
            text.Append("not ");
        text.Append("from ").Append(from?.ToString() ?? "all");
        if (to is not null)
            text.Append(" to ").Append(to);
        if (mark is not null)
            text.Append(" fwmark ").Append(mark);
        if (inputInterface is not null)
            text.Append(" iif ").Append(inputInterface);
        if (outputInterface is not null)
            text.Append(" oif ").Append(outputInterface);
        // The selectors and modifiers this record has no property for, in ip's words.
        foreach (var (member, word) in s_ruleExtras)
        {
            if (rule.TryGet(member) is not { } extra)
                continue;
            text.Append(' ').Append(word);
            if (Scalar(extra) is { Length: > 0 } value)
                text.Append(' ').Append(value);
        }
        text.Append(' ').Append(action == "lookup" ? $"lookup {table}" : action);
        if (rule.TryGet("suppress_prefixlen") is { } suppressLength)
            text.Append(" suppress_prefixlength ").Append(Scalar(suppressLength));
        if (rule.TryGet("suppress_ifgroup") is { } suppressGroup)
            text.Append(" suppress_ifgroup ").Append(Scalar(suppressGroup));
        if (rule.TryGet("target") is { } target)
            text.Append(' ').Append(Scalar(target));

        return new RoutingRule(family, priority, from, to, inputInterface, outputInterface, mark, invert, action, table, text.ToString());
    }

    private static readonly (string Member, string Word)[] s_ruleExtras =
        [("tos", "tos"), ("ipproto", "ipproto"), ("sport", "sport"), ("dport", "dport"), ("tun_id", "tun_id"), ("l3mdev", "l3mdev"), ("realms", "realms")];

    private static string Scalar(Json value) => value.Element.ValueKind switch
    {
        JsonValueKind.String => value.Element.GetString()!,
        JsonValueKind.Number => value.Element.GetRawText(),
        JsonValueKind.True or JsonValueKind.Null => "",
        _ => value.Element.GetRawText(),
    };

    // "all" means no selector; otherwise an address with its length beside it ("srclen"), a host when there is none.
    private static IPNetwork? ParseSelector(Json rule, string addressMember, string lengthMember, AddressFamily family)
    {
        if (rule.TryGet(addressMember) is not { } member || member.String() == "all")
            return null;
        var address = ParseAddressValue(member);
        RequireFamily(member, address, family);
        var length = rule.OptionalInt32(lengthMember) ?? (family == AddressFamily.InterNetwork ? 32 : 128);
        RequirePrefixLength(member, address, length);
        return Prefixes.Network(address, length);
    }

    private static IPNetwork ParseDestination(Json dst, AddressFamily family)
    {
        var text = dst.String();
        if (text == "default")
            return family == AddressFamily.InterNetwork ? new IPNetwork(IPAddress.Any, 0) : new IPNetwork(IPAddress.IPv6Any, 0);
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || (slash >= 0 && !Numbers.TryInt(text[(slash + 1)..], out _)))
            throw dst.Error($"expected \"default\" or a prefix such as 192.0.2.0/24 or 2001:db8::/32, found \"{text}\"");
        RequireFamily(dst, address, family);
        var length = slash < 0 ? (family == AddressFamily.InterNetwork ? 32 : 128) : int.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        RequirePrefixLength(dst, address, length);
        return Prefixes.Network(address, length);
    }

    private static IPAddress ParseAddressValue(Json value)
    {
        var text = value.String();
        return IPAddress.TryParse(text, out var address) && !text.Contains('/')
            ? address
            : throw value.Error($"expected an IP address such as 192.0.2.1 or 2001:db8::1, found \"{text}\"");
    }

    private static void RequireFamily(Json where, IPAddress address, AddressFamily family)
    {
        if (address.AddressFamily != family)
            throw where.Error($"{address} is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address, but this is the {(family == AddressFamily.InterNetwork ? "-4" : "-6")} listing");
    }

    private static void RequirePrefixLength(Json where, IPAddress address, int length)
    {
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length < 0 || length > max)
            throw where.Error($"prefix length {length} is out of range for {address} (0 to {max})");
    }

    private static void RequireIpFamily(AddressFamily family)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentOutOfRangeException(nameof(family), family, "Routes and rules are either InterNetwork (ip -4) or InterNetworkV6 (ip -6).");
    }
}
