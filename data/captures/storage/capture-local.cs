#:project ../../../lib/Runbooks/Runbooks.csproj
#:property PublishAot=false
// Prints the whole standard output of StorageCapture run through LocalHost (make-lab.sh capture runs it inside
// the lab's mount namespace). Usage: dotnet run capture-local.cs [COUNT [per-section]] — with COUNT, times COUNT captures
// instead (per-section: each section as a command of its own, one after the other, the way without batching).
using System.Diagnostics;
using Runbooks.Hosts;
using Runbooks.Storage.Snapshot;

await using var host = new LocalHost();
if (args.Length > 0)
{
    var times = new List<double>();
    for (var i = 0; i < int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture); i++)
    {
        var watch = Stopwatch.StartNew();
        if (args.Length > 1)
        {
            foreach (var command in StorageCapture.CommandsPerSection())
                await host.RunAsync(command);
            times.Add(watch.Elapsed.TotalMilliseconds);
            continue;
        }
        var snapshot = await StorageCapture.CaptureAsync(host);
        times.Add(watch.Elapsed.TotalMilliseconds);
        if (i == 0)
            Console.Error.WriteLine($"problems: {string.Join("; ", snapshot.Problems.Select(p => p.Section + ": " + p.Message))}");
    }
    times.Sort();
    Console.WriteLine($"captures: {times.Count}, median {times[times.Count / 2]:F1} ms, min {times[0]:F1}, max {times[^1]:F1}");
    return;
}
var result = await host.RunAsync(StorageCapture.Command());
Console.Out.Write(result.StandardOutput);
