using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runbooks.Reports;

/// <summary>The JSON every `--json` output and fingerprint uses (snapshots, findings, fix reports, the grower's summary):
/// camelCase, enums in kebab-case, addresses and prefixes as their usual text.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.Converters.Add(new AddressConverter());
        options.Converters.Add(new NetworkConverter());
        return options;
    }

    private sealed class AddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => IPAddress.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class NetworkConverter : JsonConverter<IPNetwork>
    {
        public override IPNetwork Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => IPNetwork.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, IPNetwork value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
