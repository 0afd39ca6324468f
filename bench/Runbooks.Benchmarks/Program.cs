using System.Globalization;
using Runbooks.Benchmarks;

// Runbooks.Benchmarks: figures, not tests. scripts/bench.sh builds the published CLI and runs
//   dotnet run -c Release --project bench/Runbooks.Benchmarks -- engine [--runs N]
const string Usage = """
    usage: Runbooks.Benchmarks transport [--connects N] [--commands N] [--uploads N] [--mib N] [--json PATH]
           Runbooks.Benchmarks network [--runs N] [--snapshots N] [--json PATH]
           Runbooks.Benchmarks storage [--runs N] [--snapshots N] [--json PATH]
           Runbooks.Benchmarks grower [--rate MB/s] [--bytes SIZE] [--json PATH]
           Runbooks.Benchmarks engine [--runs N] [--warmups N] [--runbook PATH] [--python PATH]
                                      [--limit SECONDS] [--poll-ms MS] [--json PATH] [--keep]
      engine     cold wall time, per-cell overhead and peak memory of `runbook run` on generated
                 10- and 60-cell C# notebooks, against Jupyter's nbclient on the same Python notebooks
      --runs     measured runs per notebook (default 5); --warmups: unmeasured runs first (default 1)
      --runbook  the CLI to measure (default: artifacts/publish/runbook/runbook, from scripts/publish.sh)
      --python   the python with nbclient and ipykernel (default /usr/bin/python3, Debian's)
      --limit    seconds after which a run's process tree is killed and the run failed (default 120)
      --poll-ms  /proc polling interval for memory (default 20)
      --json     where the figures go (default artifacts/bench/engine.json)
      --keep     keep the generated notebooks and executed copies (their folder is printed)
      transport  OpenSSH against SSH.NET on a loopback sshd started for the run (no twin): connect (--connects,
                 default 20), a command over an open connection (--commands, default 200), an SFTP upload of
                 --mib MiB (default 50) --uploads times (default 3), alternating; figures to artifacts/bench/transport.json
      network    on the real network twin (root): snapshot time per host in one multiplexed round trip
                 (--snapshots, default 20) against the same capture one fresh ssh per command; lab
                 up/down; and the full repair (up, connect, diagnose, fix, test-connection.sh), --runs
                 times (default 3); figures to artifacts/bench/network.json
      storage    on the real storage twin (root; a qemu guest under software emulation, ~5 min a run): --runs
                 times (default 3) a fresh boot from the cached image (boot to SSH), the snapshot in one ssh
                 round trip against one ssh per section (--snapshots each, default 10, interleaved), and the
                 full repair under a downtime probe; the twin is taken down at the end; refuses to start
                 while the twin is up (someone else's); figures to artifacts/bench/storage.json
      grower     the grower under load on the real storage twin (root; ~5 min): one boot and repair, then on a
                 fresh 1 GiB ext4 vg0/bench each, ours (the grower, installed from artifacts/publish/runbook-machine,
                 scripts/publish.sh machine) and the baseline (a loop: df every 2 s, lvextend -r -L +500M at 80 %):
                 idle CPU, then a writer at --rate MB/s (10^6 bytes, default 50) of --bytes in all (default 1600M;
                 K, M, G are powers of 1024): ENOSPC failures, least free space, detection latency and duration of
                 each grow; refuses to start while the twin is up; figures to artifacts/bench/grower.json
    Exit code: 0 all runs succeeded (whether or not the goals were met), 1 some run failed, 2 usage.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
var root = RepositoryRoot();
if (args[0] is "network" or "storage")
{
    var twinRuns = 3;
    var snapshots = args[0] == "network" ? 20 : 10;
    var twinJson = Path.Combine(root, "artifacts", "bench", args[0] + ".json");
    for (var i = 1; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        try
        {
            switch (args[i])
            {
                case "--runs": twinRuns = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--runs"); break;
                case "--snapshots": snapshots = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--snapshots"); break;
                case "--json": twinJson = Path.GetFullPath(Value()); break;
                default: return Fail($"unknown option '{args[i]}'");
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return Fail(e.Message);
        }
    }
    return args[0] == "network"
        ? await new NetworkBenchmark(twinRuns, snapshots, twinJson, Console.Out).RunAsync().ConfigureAwait(false)
        : await new StorageBenchmark(twinRuns, snapshots, twinJson, Console.Out).RunAsync().ConfigureAwait(false);
}
if (args[0] == "transport")
{
    int connects = 20, commands = 200, uploads = 3, mib = 50;
    var transportJson = Path.Combine(root, "artifacts", "bench", "transport.json");
    for (var i = 1; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        try
        {
            switch (args[i])
            {
                case "--connects": connects = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--connects"); break;
                case "--commands": commands = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--commands"); break;
                case "--uploads": uploads = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--uploads"); break;
                case "--mib": mib = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--mib"); break;
                case "--json": transportJson = Path.GetFullPath(Value()); break;
                default: return Fail($"unknown option '{args[i]}'");
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return Fail(e.Message);
        }
    }
    return await new TransportBenchmark(connects, commands, uploads, mib, transportJson, Console.Out).RunAsync().ConfigureAwait(false);
}
if (args[0] == "grower")
{
    var rate = GrowerOptions.DefaultMegabytesPerSecond;
    var bytes = GrowerOptions.DefaultBytes;
    var growerJson = Path.Combine(root, "artifacts", "bench", "grower.json");
    for (var i = 1; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        try
        {
            switch (args[i])
            {
                case "--rate": rate = Positive(double.Parse(Value(), CultureInfo.InvariantCulture), "--rate"); break;
                case "--bytes":
                    bytes = Runbooks.Autoextend.Policy.PolicyValues.TryParseSize(Value(), out var size) && size > 0
                        ? size : throw new ArgumentException($"--bytes: expected {Runbooks.Autoextend.Policy.PolicyValues.SizeForms}, greater than 0");
                    break;
                case "--json": growerJson = Path.GetFullPath(Value()); break;
                default: return Fail($"unknown option '{args[i]}'");
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return Fail(e.Message);
        }
    }
    var build = Path.Combine(root, Runbooks.Autoextend.Install.GrowerBuild.DefaultFolder);
    return await new GrowerBenchmark(new GrowerOptions(rate, bytes, growerJson, build), Console.Out).RunAsync().ConfigureAwait(false);
}
if (args[0] != "engine")
    return Fail($"unknown benchmark '{args[0]}' (known: engine, grower, network, storage, transport)");

var runs = 5;
var warmups = 1;
var runbook = Path.Combine(root, "artifacts", "publish", "runbook", "runbook");
var python = "/usr/bin/python3";
var limit = 120.0;
var pollMs = 20.0;
var json = Path.Combine(root, "artifacts", "bench", "engine.json");
var keep = false;
for (var i = 1; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--runs": runs = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--runs"); break;
            case "--warmups": warmups = int.Parse(Value(), CultureInfo.InvariantCulture); break;
            case "--runbook": runbook = Path.GetFullPath(Value()); break;
            case "--python": python = Value(); break;
            case "--limit": limit = Positive(double.Parse(Value(), CultureInfo.InvariantCulture), "--limit"); break;
            case "--poll-ms": pollMs = Positive(double.Parse(Value(), CultureInfo.InvariantCulture), "--poll-ms"); break;
            case "--json": json = Path.GetFullPath(Value()); break;
            case "--keep": keep = true; break;
            default: return Fail($"unknown option '{args[i]}'");
        }
    }
    catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
    {
        return Fail(e.Message);
    }
}
if (warmups < 0)
    return Fail("--warmups: expected 0 or more");

var options = new EngineOptions
{
    Runs = runs,
    Warmups = warmups,
    Runbook = runbook,
    Python = python,
    Limit = TimeSpan.FromSeconds(limit),
    Poll = TimeSpan.FromMilliseconds(pollMs),
    JsonPath = json,
    Keep = keep,
};
return await new EngineBenchmark(options, Console.Out).RunAsync().ConfigureAwait(false);

static int Fail(string message)
{
    Console.Error.WriteLine($"bench: {message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

static T Positive<T>(T value, string option) where T : System.Numerics.INumber<T> =>
    value > T.Zero ? value : throw new ArgumentException($"{option}: expected a number greater than 0");

// The folder with Runbooks.sln: from the current directory up, else from the benchmark's own binary up.
static string RepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Runbooks.sln")))
                return dir.FullName;
    }
    return Environment.CurrentDirectory;
}
