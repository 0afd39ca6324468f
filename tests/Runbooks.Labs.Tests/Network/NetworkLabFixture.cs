using Runbooks.Labs.Network;

namespace Runbooks.Labs.Tests.Network;

/// <summary>Every test of the real twin: they share one bridge and one state folder, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetworkLabCollection : ICollectionFixture<NetworkLabFixture>
{
    public const string Name = "network lab twin";
}

/// <summary>
/// Hands out a freshly built, untouched twin, building it only when the last test changed it (or took it down),
/// and takes it down after the last test, failing the run if anything of it is left.
/// </summary>
public sealed class NetworkLabFixture : IAsyncLifetime
{
    private NetworkLabState? _pristine;

    public NetworkLab Lab { get; } = new();

    /// <summary>A twin as `lab up` leaves it: every planted fault in place, no traffic through the tunnel yet.</summary>
    public async Task<NetworkLabState> PristineAsync()
    {
        // lab.json could have been replaced behind this fixture's back (a test that rebuilt, a crash test).
        if (_pristine is null || NetworkLab.ReadState()?.BuiltAt != _pristine.BuiltAt)
            _pristine = await Lab.UpAsync();
        return _pristine;
    }

    /// <summary>Called by a test that changes the twin (fixes a fault, resets wg0, takes it down): the next
    /// <see cref="PristineAsync"/> builds it again.</summary>
    public void Changed() => _pristine = null;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Lab.DownAsync();
        var left = LabLeftovers.Find();
        if (left.Count > 0)
            throw new InvalidOperationException("the network lab tests left something behind: " + string.Join("; ", left));
    }
}
