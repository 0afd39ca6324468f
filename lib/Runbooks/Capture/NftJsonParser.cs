using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbooks.Network.Snapshot;

namespace Runbooks.Capture;

/// <summary>A table of the nft ruleset.</summary>
/// <param name="Family">ip, ip6, inet, bridge, arp, netdev.</param>
public sealed record NftTable(string Family, string Name)
{
    private static readonly ImmutableHashSet<string> s_iptablesTables = ["filter", "nat", "mangle", "raw", "security"];

    /// <summary>
    /// Whether this looks like a table iptables-nft (or ip6tables-nft) keeps its rules in. nft 1.0's JSON carries no
    /// mark of ownership (the text listing's "managed by iptables-nft" warning has no JSON counterpart), so this goes
    /// by what iptables-nft always creates: an ip or ip6 table named after an iptables table.
    /// </summary>
    public bool IsIptablesNftTable => Family is "ip" or "ip6" && s_iptablesTables.Contains(Name);
}

/// <summary>What <c>nft -j list ruleset</c> printed: tables, chains and rules, in its order.</summary>
public sealed record NftRuleset(ImmutableArray<NftTable> Tables, ImmutableArray<NftChain> Chains, ImmutableArray<NftRule> Rules)
{
    /// <summary>The ruleset without the tables <paramref name="drop"/> picks, and without their chains and rules.</summary>
    public NftRuleset Without(Func<NftTable, bool> drop)
    {
        var dropped = Tables.Where(drop).ToHashSet();
        return new NftRuleset(
            [.. Tables.Where(t => !dropped.Contains(t))],
            [.. Chains.Where(c => !dropped.Contains(new NftTable(c.Family, c.Table)))],
            [.. Rules.Where(r => !dropped.Contains(new NftTable(r.Family, r.Table)))]);
    }
}

/// <summary>
/// Parses <c>nft -j list ruleset</c> (JSON schema 1, nftables 0.9.3 and later). Every rule keeps its whole expression
/// list; the parts the checks ask about (input interface, layer 4 protocol, destination port, verdict) are lifted out,
/// and <see cref="NftRule.Text"/> renders the rule in nft's own syntax as far as it can.
/// </summary>
public static class NftJsonParser
{
    private const string Format = "nft -j list ruleset";

    public static NftRuleset Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return new NftRuleset([], [], []);
        using var document = Json.Parse(json, Format);
        var root = Json.Root(document, Format);
        var tables = ImmutableArray.CreateBuilder<NftTable>();
        var chains = ImmutableArray.CreateBuilder<NftChain>();
        var rules = ImmutableArray.CreateBuilder<NftRule>();
        foreach (var item in root.Required("nftables").Items())
        {
            if (item.TryGet("table") is { } table)
            {
                tables.Add(new NftTable(table.Required("family").String(), table.Required("name").String()));
            }
            else if (item.TryGet("chain") is { } chain)
            {
                chains.Add(new NftChain(
                    chain.Required("family").String(), chain.Required("table").String(), chain.Required("name").String(),
                    chain.OptionalString("type"), chain.OptionalString("hook"), chain.OptionalInt32("prio"), chain.OptionalString("policy")));
            }
            else if (item.TryGet("rule") is { } rule)
            {
                rules.Add(ParseRule(rule, chains));
            }
            // metainfo, sets, maps, flowtables, counters, quotas…: not needed by the checks.
        }
        return new NftRuleset(tables.ToImmutable(), chains.ToImmutable(), rules.ToImmutable());
    }

    private static NftRule ParseRule(Json rule, IEnumerable<NftChain> chains)
    {
        var family = rule.Required("family").String();
        var table = rule.Required("table").String();
        var chain = rule.Required("chain").String();
        var handle = rule.Required("handle").Int64();
        var expressions = rule.Required("expr");
        string? inputInterface = null, outputInterface = null, protocol = null, port = null, sourcePort = null, verdict = null;
        var text = new List<string>();
        foreach (var statement in expressions.Items())
        {
            if (statement.Element.ValueKind != JsonValueKind.Object || !statement.Element.EnumerateObject().Any())
                throw statement.Error($"expected a statement object such as {{\"accept\": null}}, found {Json.Describe(statement.Element)}");
            var kind = statement.Element.EnumerateObject().First();
            var body = new Json(kind.Value, $"{statement.Path}.{kind.Name}", Format);
            text.Add(Statement(kind.Name, body));
            switch (kind.Name)
            {
                case "match":
                    var left = body.Required("left");
                    var right = body.Required("right");
                    var op = body.OptionalString("op") ?? "==";
                    var negated = op == "!=" ? "! " : "";
                    var value = Value(right);
                    if (MetaKey(left) is "iifname" or "iif")
                        inputInterface = negated + value;
                    else if (MetaKey(left) is "oifname" or "oif")
                        outputInterface = negated + value;
                    else if (MetaKey(left) is "l4proto" || PayloadOf(left) is ("ip", "protocol") or ("ip6", "nexthdr"))
                        protocol = negated + value;
                    if (PayloadOf(left) is ({ } l4, "dport" or "sport") ports)
                    {
                        if (ports.Field == "dport")
                            port = negated + value;
                        else
                            sourcePort = negated + value;
                        if (l4 is "tcp" or "udp" or "sctp" or "dccp" or "udplite")
                            protocol ??= l4;
                    }
                    else if (PayloadOf(left) is ("icmp" or "icmpv6", _) icmp)
                        protocol ??= icmp.Protocol == "icmp" ? "icmp" : "ipv6-icmp";
                    break;
                case "accept" or "drop" or "continue" or "return" or "queue":
                    verdict = kind.Name;
                    break;
                case "reject":
                    verdict = "reject";
                    break;
                case "jump" or "goto":
                    verdict = $"{kind.Name} {body.Required("target").String()}";
                    break;
            }
        }
        var hook = chains.LastOrDefault(c => c.Family == family && c.Table == table && c.Name == chain)?.Hook;
        if (rule.OptionalString("comment") is { } comment)
            text.Add($"comment \"{comment}\"");
        return new NftRule(family, table, chain, hook, handle, inputInterface, protocol, port, verdict,
            string.Join(' ', text.Where(t => t.Length > 0)), expressions.Element.Clone())
        {
            OutputInterface = outputInterface,
            SourcePort = sourcePort,
        };
    }

    private static string? MetaKey(Json left) =>
        left.Element.ValueKind == JsonValueKind.Object && left.TryGet("meta") is { } meta ? meta.OptionalString("key") : null;

    private static (string? Protocol, string? Field)? PayloadOf(Json left) =>
        left.Element.ValueKind == JsonValueKind.Object && left.TryGet("payload") is { } payload
            ? (payload.OptionalString("protocol"), payload.OptionalString("field"))
            : null;

    // One statement in nft's list syntax; unknown ones as their name and JSON, so nothing silently disappears.
    private static string Statement(string kind, Json body) => kind switch
    {
        "match" => Match(body),
        "counter" => body.Element.ValueKind == JsonValueKind.Object
            ? $"counter packets {Raw(body, "packets")} bytes {Raw(body, "bytes")}"
            : "counter",
        "accept" or "drop" or "continue" or "return" or "queue" or "notrack" => kind,
        "jump" or "goto" => $"{kind} {body.Required("target").String()}",
        "reject" => body.Element.ValueKind == JsonValueKind.Object && body.OptionalString("type") is { } type
            ? $"reject with {type}{(body.TryGet("expr") is { } why ? " " + Value(why) : "")}"
            : "reject",
        "log" => body.Element.ValueKind == JsonValueKind.Object && body.OptionalString("prefix") is { } prefix ? $"log prefix \"{prefix}\"" : "log",
        "masquerade" => "masquerade",
        "snat" or "dnat" => $"{kind} to {Value(body.Required("addr"))}{(body.TryGet("port") is { } p ? ":" + Value(p) : "")}",
        "mangle" => $"{Value(body.Required("key"))} set {Value(body.Required("value"))}",
        "xt" => $"xt {body.OptionalString("type")} \"{body.OptionalString("name")}\"",
        "limit" => $"limit rate {Raw(body, "rate")}/{body.OptionalString("per") ?? "second"}",
        _ => $"{kind} {body.Element.GetRawText()}",
    };

    private static string Match(Json body)
    {
        var op = body.OptionalString("op") ?? "==";
        var left = Value(body.Required("left"));
        var right = body.Required("right");
        var rendered = IsInterfaceName(body.Required("left")) && right.Element.ValueKind == JsonValueKind.String
            ? $"\"{right.String()}\""
            : Value(right);
        // nft leaves out "==" and the implicit "in" of a flag list such as "ct state established,related".
        return op is "==" or "in" ? $"{left} {rendered}" : $"{left} {op} {rendered}";
    }

    private static bool IsInterfaceName(Json left) => MetaKey(left) is "iifname" or "oifname";

    // Operands: literals, sets, ranges, prefixes and the expressions nft prints as words.
    private static string Value(Json value)
    {
        var element = value.Element;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString()!;
            case JsonValueKind.Number:
                return element.GetRawText();
            case JsonValueKind.True or JsonValueKind.False:
                return element.GetRawText();
            case JsonValueKind.Array:
                return string.Join(',', value.Items().Select(Value));
        }
        if (element.ValueKind != JsonValueKind.Object || !element.EnumerateObject().Any())
            return element.GetRawText();
        var member = element.EnumerateObject().First();
        var inner = new Json(member.Value, $"{value.Path}.{member.Name}", Format);
        return member.Name switch
        {
            "set" => "{ " + string.Join(", ", inner.Element.ValueKind == JsonValueKind.Array ? inner.Items().Select(Value) : [Value(inner)]) + " }",
            "range" => string.Join('-', inner.Items().Select(Value)),
            "prefix" => $"{Value(inner.Required("addr"))}/{Raw(inner, "len")}",
            "meta" => inner.OptionalString("key") is "iifname" or "oifname" or "iif" or "oif" ? inner.OptionalString("key")! : $"meta {inner.OptionalString("key")}",
            "payload" => inner.OptionalString("protocol") is { } protocol
                ? $"{protocol} {inner.OptionalString("field")}"
                : $"@{inner.OptionalString("base")},{Raw(inner, "offset")},{Raw(inner, "len")}",
            "ct" => $"ct {(inner.OptionalString("dir") is { } dir ? dir + " " : "")}{inner.OptionalString("key")}",
            "fib" => $"fib {string.Join(" . ", inner.TryGet("flags") is { } f ? f.Items().Select(Value) : [])} {inner.OptionalString("result")}",
            "prefix_len" or "&" or "|" or "^" or "<<" or ">>" when inner.Element.ValueKind == JsonValueKind.Array =>
                string.Join($" {member.Name} ", inner.Items().Select(Value)),
            _ => $"{member.Name} {inner.Element.GetRawText()}",
        };
    }

    private static string Raw(Json body, string member) =>
        body.TryGet(member) is { } value ? value.Element.ValueKind == JsonValueKind.String ? value.String() : value.Element.GetRawText() : "?";
}
