using Runbooks.Network.Fixes;

namespace Runbooks.Tests.Network.Fixes;

public class WireGuardConfigEditorTests
{
    private static readonly string[] s_config =
    [
        "# client side",
        "[Interface]",
        "PrivateKey = (not captured; public key AAA=)",
        "Address = 203.0.113.2/24",
        "address = 10.9.9.9/24",
        "ListenPort = 51820",
        "MTU = 1800",
        "",
        "[Peer]",
        "PublicKey = BBB=",
        "AllowedIPs = 203.0.113.1/32",
        "",
    ];

    [Fact]
    public void Replaces_a_key_in_place_and_folds_repeats_into_one_line()
    {
        var after = WireGuardConfigEditor.Apply(s_config, [new ConfigEdit(null, "Address", "192.0.2.2/24")]);

        Assert.Equal("Address = 192.0.2.2/24", after[3]);
        Assert.DoesNotContain(after, l => l.Contains("10.9.9.9", StringComparison.Ordinal));
        Assert.Equal(s_config.Length - 1, after.Length);
        Assert.Equal("PrivateKey = (not captured; public key AAA=)", after[2]);
    }

    [Fact]
    public void Adds_a_missing_key_after_the_sections_last_line_not_after_the_blank_one()
    {
        var after = WireGuardConfigEditor.Apply(s_config, [new ConfigEdit(0, "Endpoint", "[fdaa:0:1:a7b::2]:51820")]);

        Assert.Equal(["[Peer]", "PublicKey = BBB=", "AllowedIPs = 203.0.113.1/32", "Endpoint = [fdaa:0:1:a7b::2]:51820", ""], after.Skip(8).ToArray());
    }

    [Fact]
    public void Edits_of_the_interface_do_not_touch_the_peer_and_the_reverse()
    {
        var after = WireGuardConfigEditor.Apply(s_config, [new ConfigEdit(null, "MTU", "1340"), new ConfigEdit(0, "AllowedIPs", "192.0.2.1/32")]);

        Assert.Equal(["1340"], WireGuardConfigEditor.Values(after, null, "mtu").ToArray());
        Assert.Equal(["192.0.2.1/32"], WireGuardConfigEditor.Values(after, 0, "AllowedIPs").ToArray());
        Assert.Empty(WireGuardConfigEditor.Values(after, 0, "MTU"));
    }

    [Fact]
    public void Holds_only_when_the_key_is_set_once_to_the_value()
    {
        Assert.False(WireGuardConfigEditor.Holds(s_config, new ConfigEdit(null, "Address", "203.0.113.2/24")));   // set twice
        Assert.True(WireGuardConfigEditor.Holds(s_config, new ConfigEdit(null, "ListenPort", "51820")));
        Assert.False(WireGuardConfigEditor.Holds(s_config, new ConfigEdit(0, "Endpoint", "x:1")));
    }

    [Fact]
    public void Applying_the_same_edits_twice_changes_nothing_the_second_time()
    {
        ConfigEdit[] edits = [new(null, "Address", "192.0.2.2/24"), new(0, "Endpoint", "[fdaa::2]:51820"), new(null, "MTU", "1340")];
        var once = WireGuardConfigEditor.Apply(s_config, edits);

        Assert.Equal(once.ToArray(), WireGuardConfigEditor.Apply(once, edits).ToArray());
    }

    [Fact]
    public void A_missing_section_is_an_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => WireGuardConfigEditor.Apply(s_config, [new ConfigEdit(1, "Endpoint", "x:1")]));
        Assert.Contains("[Peer] number 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_diff_marks_removed_and_added_lines()
    {
        var after = WireGuardConfigEditor.Apply(s_config, [new ConfigEdit(null, "MTU", "1340")]);
        var diff = WireGuardConfigEditor.Diff("/etc/wireguard/wg0.conf", s_config, after);

        Assert.Contains("- MTU = 1800\n+ MTU = 1340\n", diff, StringComparison.Ordinal);
        Assert.Contains("  ListenPort = 51820\n", diff, StringComparison.Ordinal);
    }
}
