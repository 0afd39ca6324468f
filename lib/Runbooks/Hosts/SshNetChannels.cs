namespace Runbooks.Hosts;

/// <summary>
/// The channels that the commands of one <see cref="SshNetConnection"/> may hold at once, and their queue. It starts at
/// what sshd allows by default and learns a lower limit from the server's refusals: hardened sshd_configs often set
/// MaxSessions to 2–4, and SSH.NET, refused, only retries at once a few times and then throws.
/// </summary>
internal sealed class SshNetChannels
{
    /// <summary>sshd's default MaxSessions is 10: the heartbeat holds one, and one is spare, as a session closed here
    /// may count on the server a moment longer.</summary>
    public const int Default = SshNetConnection.MaxChannels - 2;

    private readonly SemaphoreSlim _free = new(Default, Default);
    private int _capacity = Default;

    /// <summary>Waits for a free channel. False, holding none, when <paramref name="stop"/> completed first.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<bool> EnterAsync(Task stop, CancellationToken cancellationToken)
    {
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var entering = _free.WaitAsync(giveUp.Token);
        if (await Task.WhenAny(entering, stop).ConfigureAwait(false) == entering)
        {
            await entering.ConfigureAwait(false);
            return true;
        }
        await giveUp.CancelAsync().ConfigureAwait(false);
        try
        {
            // It may have got a channel just before it gave up: that one goes back.
            await entering.ConfigureAwait(false);
            _free.Release();
        }
        catch (OperationCanceledException)
        {
        }
        return false;
    }

    public void Leave() => _free.Release();

    /// <summary>
    /// The server refused the channel just entered: it allows fewer, so this one is given up for the connection's life
    /// instead of being left. Never the last one: refused when it could be the only command, a command cannot wait for
    /// a better moment, and the caller must say so and <see cref="Leave"/>.
    /// </summary>
    /// <returns>False when it was the last one.</returns>
    public bool Retire()
    {
        while (true)
        {
            var capacity = Volatile.Read(ref _capacity);
            if (capacity <= 1)
                return false;
            if (Interlocked.CompareExchange(ref _capacity, capacity - 1, capacity) == capacity)
                return true;
        }
    }
}
