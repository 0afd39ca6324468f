using System.Diagnostics;
using Runbooks.Labs.Network;

namespace Runbooks.Labs.Tests.Network;

/// <summary>`down` removes everything, whether it finds the lab by lab.json or, after a crash, by its marks.</summary>
[Collection(NetworkLabCollection.Name)]
public sealed class NetworkLabTeardownTests(NetworkLabFixture fixture)
{
    private readonly NetworkLab _lab = fixture.Lab;

    [Fact]
    public async Task Down_LeavesNothing_NoProcessesLinksTableMountsOrState()
    {
        var state = await fixture.PristineAsync();
        fixture.Changed();
        var namespaces = LabLeftovers.NamespacesOf(state);
        Assert.Equal(6, namespaces.Count);
        // Sanity check of the check: while the lab runs, it sees the lab.
        Assert.NotEmpty(LabLeftovers.Find(namespaces));

        await _lab.DownAsync();

        LabLeftovers.AssertNone(namespaces);
        Assert.Null(NetworkLab.ReadState());
        Assert.False((await _lab.StatusAsync()).Up);
    }

    [Fact]
    public async Task Down_AfterACrash_KilledHoldersAndNoLabJson_StillCleansUp()
    {
        var state = await fixture.PristineAsync();
        fixture.Changed();
        var namespaces = LabLeftovers.NamespacesOf(state);

        foreach (var machine in state.Machines)
            Process.GetProcessById(machine.HolderPid).Kill(); // SIGKILL, as a crash or the OOM killer would
        File.Delete(NetworkLab.StateFile);

        await _lab.DownAsync();

        LabLeftovers.AssertNone(namespaces);
    }

    [Fact]
    public async Task Down_WithoutLabJson_FindsLiveMachinesByTheirMarker()
    {
        var state = await fixture.PristineAsync();
        fixture.Changed();
        var namespaces = LabLeftovers.NamespacesOf(state);
        File.Delete(NetworkLab.StateFile);

        await _lab.DownAsync();

        LabLeftovers.AssertNone(namespaces);
    }

    [Fact]
    public async Task Down_WithAStaleLabJson_DoesNotKillProcessesThatReusedItsPids()
    {
        await fixture.PristineAsync();
        fixture.Changed();
        using var bystander = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            // lab.json says the bystander is a holder and an sshd, as it would if the PIDs had been reused.
            var json = await File.ReadAllTextAsync(NetworkLab.StateFile);
            var stale = System.Text.RegularExpressions.Regex.Replace(json, @"""(holderPid|sshdPid)"": \d+", $"\"$1\": {bystander.Id}");
            await File.WriteAllTextAsync(NetworkLab.StateFile, stale);

            await _lab.DownAsync();

            Assert.False(bystander.HasExited, "down killed a process that was not the lab's");
            LabLeftovers.AssertNone();
        }
        finally
        {
            bystander.Kill();
        }
    }

    [Fact]
    public async Task Down_WhenNothingExists_DoesNothing_Twice()
    {
        await _lab.DownAsync();
        fixture.Changed();

        await _lab.DownAsync();

        LabLeftovers.AssertNone();
    }

    [Fact]
    public async Task Exec_WhenTheLabIsDown_SaysToRunLabUp()
    {
        await _lab.DownAsync();
        fixture.Changed();

        var error = await Assert.ThrowsAsync<LabNotUpException>(() => _lab.ExecAsync("client", "true"));

        Assert.Contains("Run `runbook lab up network`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_WhenAMachineDied_SaysItIsGoneAndToRunLabUp()
    {
        var state = await fixture.PristineAsync();
        fixture.Changed();
        Process.GetProcessById(state.Client.HolderPid).Kill();
        await WaitUntilAsync(() => !NetworkLab.IsHolder(state.Client.HolderPid, "wg-client"));

        var error = await Assert.ThrowsAsync<LabNotUpException>(() => _lab.ExecAsync("client", "true"));
        var status = await _lab.StatusAsync();

        Assert.Contains("wg-client is gone", error.Message, StringComparison.Ordinal);
        Assert.Contains("runbook lab up network", error.Message, StringComparison.Ordinal);
        Assert.False(status.Up);
        Assert.Equal([true, false], status.Machines.Select(m => m.HolderAlive));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }
}
