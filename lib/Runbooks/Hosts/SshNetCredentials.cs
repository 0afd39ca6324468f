using Renci.SshNet;
using Renci.SshNet.Common;
using SshNet.Agent;

namespace Runbooks.Hosts;

/// <summary>
/// The identities an SSH.NET connection offers, chosen as ssh chooses them with <c>IdentitiesOnly=yes</c>: with an
/// <see cref="SshTarget.IdentityFile"/>, that key only (and its certificate, <c>KEY-cert.pub</c>, as
/// <c>flyctl ssh issue</c> writes them), read from the file or, when the file cannot be used (encrypted, or only its
/// .pub is there), the agent's identity for it. Without one: every identity of the agent (SSH_AUTH_SOCK), then
/// ~/.ssh/id_ed25519, id_ecdsa and id_rsa, each with its certificate when there is one.
/// </summary>
internal static class SshNetCredentials
{
    private static readonly string[] s_defaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];
    private static readonly TimeSpan s_agentTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="HostAuthenticationException">No identity to offer; the message says what was looked for.</exception>
    public static async Task<IReadOnlyList<IPrivateKeySource>> LoadAsync(SshTarget target, string hostName, CancellationToken cancellationToken)
    {
        if (target.IdentityFile is { } path)
        {
            if (TryKeyFile(path, out var problem) is { } key)
                return [key];
            var wanted = PublicBlobs(path);
            var fromAgent = (await AgentIdentitiesAsync(cancellationToken).ConfigureAwait(false))
                .Where(i => i.HostKeyAlgorithms.Any(a => wanted.Any(w => w.AsSpan().SequenceEqual(a.Data)))).ToList();
            if (fromAgent.Count > 0)
                return fromAgent;
            throw SshFailures.LoginRefused(hostName, target,
                $"{path}: {problem}; and the agent holds no identity for it{(wanted.Count == 0 ? $" ({path}.pub is not there to tell which)" : "")}.",
                "no identity to offer", problem ?? "", SshNetConnection.Client);
        }
        var identities = new List<IPrivateKeySource>(await AgentIdentitiesAsync(cancellationToken).ConfigureAwait(false));
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        foreach (var name in s_defaultKeys)
        {
            var file = Path.Combine(home, name);
            if (File.Exists(file) && TryKeyFile(file, out _) is { } key)
                identities.Add(key);
        }
        if (identities.Count == 0)
        {
            throw SshFailures.LoginRefused(hostName, target,
                "there is none: no IdentityFile was given, no agent answered at SSH_AUTH_SOCK, and ~/.ssh holds no usable id_ed25519, id_ecdsa or id_rsa.",
                "no identity to offer", "", SshNetConnection.Client);
        }
        return identities;
    }

    private static PrivateKeyFile? TryKeyFile(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            problem = "no such identity (the file does not exist)";
            return null;
        }
        var certificate = path + "-cert.pub";
        try
        {
            return File.Exists(certificate) ? new PrivateKeyFile(path, null, certificate) : new PrivateKeyFile(path);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            problem = "the key is encrypted (a passphrase is needed)";
        }
        catch (Exception error) when (error is SshException or IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            problem = $"not a private key SSH.NET can read ({error.Message})";
        }
        return null;
    }

    // The key's public blob, and its certificate's, as the agent lists them.
    private static List<byte[]> PublicBlobs(string path)
    {
        var blobs = new List<byte[]>();
        foreach (var file in new[] { path + ".pub", path + "-cert.pub" })
        {
            if (!File.Exists(file))
                continue;
            var fields = File.ReadAllText(file).Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2)
            {
                try
                {
                    blobs.Add(Convert.FromBase64String(fields[1]));
                }
                catch (FormatException)
                {
                }
            }
        }
        return blobs;
    }

    private static async Task<IReadOnlyList<SshAgentPrivateKey>> AgentIdentitiesAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SSH_AUTH_SOCK")))
            return [];
        try
        {
            return [.. await new SshAgent(s_agentTimeout).RequestIdentitiesAsync(cancellationToken).ConfigureAwait(false)];
        }
        catch (Exception error) when (error is SshAgentException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return []; // ssh carries on without an agent that does not answer, and so do we
        }
    }
}
