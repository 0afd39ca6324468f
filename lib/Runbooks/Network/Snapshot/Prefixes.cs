using System.Net;

namespace Runbooks.Network.Snapshot;

/// <summary>Address arithmetic the checks need and <see cref="IPNetwork"/> leaves out.</summary>
public static class Prefixes
{
    /// <summary>The network an address lies in: 192.0.2.7 and 24 give 192.0.2.0/24 (IPNetwork refuses host bits).</summary>
    public static IPNetwork Network(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefixLength; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }

    /// <summary>Parses "192.0.2.0/24", "192.0.2.1" (a /32 or /128) and "192.0.2.1/24" (host bits allowed, masked off).</summary>
    public static IPNetwork ParseLenient(string text)
    {
        var slash = text.IndexOf('/');
        var address = IPAddress.Parse(slash < 0 ? text : text[..slash]);
        var length = slash < 0 ? (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128) : int.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return Network(address, length);
    }

    /// <summary>Whether <paramref name="inner"/> lies wholly inside <paramref name="outer"/>.</summary>
    public static bool Covers(this IPNetwork outer, IPNetwork inner) =>
        outer.BaseAddress.AddressFamily == inner.BaseAddress.AddressFamily
        && outer.PrefixLength <= inner.PrefixLength
        && outer.Contains(inner.BaseAddress);
}
