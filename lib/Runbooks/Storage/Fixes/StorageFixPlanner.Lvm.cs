using System.Collections.Immutable;
using Runbooks.Checks;
using Runbooks.Hosts;
using Runbooks.Storage.Checks;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Storage.Fixes;

// LVM must see every disk before anything else is planned on them: a setting that hides or refuses the pool is
// switched off, and a disk whose image is only detached is attached again.
public static partial class StorageFixPlanner
{
    /// <summary>The text put in front of each line of an LVM setting that is switched off.</summary>
    public const string DisabledLvmPrefix = "# disabled by runbook (it kept the pool from LVM): ";

    /// <summary>Where LVM's settings are written on a Debian machine; lvmconfig says what, not in which file.</summary>
    public static readonly ImmutableArray<string> LvmConfigFiles = ["/etc/lvm/lvm.conf", "/etc/lvm/lvmlocal.conf"];

    private static IEnumerable<FixStep<StorageSnapshot>> LvmSteps(StorageSnapshot s, StorageSettings c, Func<Func<Finding, bool>, string> why)
    {
        var settings = StorageChecks.HiddenDisks(s, c).Select(h => h.Filter.Setting)
            .Concat(StorageChecks.ActivationListsExcluding(s, c).Select(a => a.Path))
            .Distinct()
            .Select(path => s.LvmSettings.First(x => x.Path == path));
        foreach (var setting in settings)
            yield return DisableLvmSetting(s.Host, setting,
                why(f => f.Check is "lvm-filter-hides-disks" or "lvm-activation-restricted" && f.Title.StartsWith($"LVM's {setting.Path} ", StringComparison.Ordinal)));

        var images = StorageChecks.UnattachedImages(s, c);
        bool Missing(StorageSnapshot x) => x.PhysicalVolumes.Any(p => p.VolumeGroup == c.VolumeGroup && p.Missing);
        if (Missing(s) && !images.IsEmpty)
        {
            var attach = string.Join(" ", images.Select(ShellQuote.Quote));
            // An image that copies another disk would give LVM two devices with one PV's identity: detached again.
            var command = HostCommand.Shell(
                $"for img in {attach}; do [ -n \"$(losetup -j \"$img\")\" ] && continue; dev=$(losetup -f --show \"$img\") || exit 1; "
                + $"if {QuietLvm} pvs 2>&1 | grep -qi duplicate; then losetup -d \"$dev\"; echo \"$img duplicates a PV LVM already sees; detached it again\" >&2; exit 1; fi; done")
                .WithDescription($"losetup -f --show for each of {string.Join(", ", images)}");
            yield return Step(s.Host, "attach-disks", $"Attach the disk images no loop device holds ({string.Join(", ", images)})", why(f => f.Check == "pv-missing"),
                Missing, [command], x => !Missing(x), $"pvs shows no missing PV in {c.VolumeGroup}");
        }
    }

    /// <summary>Comments the setting out (all its lines when its list spans several) in the files that set it, each kept
    /// as it was once; fails when neither file sets it (a profile or an included file does).</summary>
    private static FixStep<StorageSnapshot> DisableLvmSetting(string host, LvmSetting setting, string why)
    {
        var start = $"^[[:space:]]*{setting.Name}[[:space:]]*=";
        var awk = "awk -v p=" + ShellQuote.Quote(DisabledLvmPrefix) + " " + ShellQuote.Quote(
            // Brackets inside the quoted patterns ("r|^/dev/loop[0-9]|") do not open or close the list.
            $"{{ t = $0; gsub(/\"[^\"]*\"/, \"\", t) }} !on && $0 ~ /{start}/ {{ on = (t ~ /\\[/ && t !~ /\\]/); print p $0; next }} on {{ if (t ~ /\\]/) on = 0; print p $0; next }} {{ print }}");
        var perFile = string.Concat(LvmConfigFiles.Select(file =>
        {
            var f = ShellQuote.Quote(file);
            return $"if [ -f {f} ] && grep -Eq '{start}' {f}; then {FileBackup.Shell(file)}{awk} {f} > {f}.runbook-new && cat {f}.runbook-new > {f} && rm -f {f}.runbook-new || exit 1; found=1; fi; ";
        }));
        var command = HostCommand.Shell($"found=0; {perFile}[ $found = 1 ] || {{ echo \"{setting.Name} is not set in {string.Join(" or ", LvmConfigFiles)}: lvmconfig shows it, so a file they include or a profile sets it; remove it there\" >&2; exit 1; }}")
            .WithDescription($"comment out {setting.Name} in {string.Join(" / ", LvmConfigFiles)} (originals kept in {BackupFolder})");
        bool Set(StorageSnapshot x) => x.LvmSettings.Any(l => l.Path == setting.Path && l.Value == setting.Value);
        var diff = $"--- /etc/lvm/lvm.conf\n+++ /etc/lvm/lvm.conf (fixed)\n- {setting.Name} = {setting.Value}\n+ {DisabledLvmPrefix}{setting.Name} = {setting.Value}\n";
        return Step(host, $"lvm-unset-{setting.Name.Replace('_', '-')}", $"Switch off LVM's {setting.Path}", why,
            Set, [command], x => !Set(x), $"lvmconfig no longer shows {setting.Path}={setting.Value}", diff);
    }
}
