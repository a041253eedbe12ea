# f1-replay-backtest (the strategy engine's back-test) on recorded races:
# the 2024 lap tables and the archives.  Leakage: the output at lap L is
# the same without the laps after L (and, on archives, without the lines
# after a session time).  Metrics: the model against the naive baselines
# on four races, on the season, and on the Dutch GP archive.  The season
# figures of README.md come from scripts/bench-backtest.sh.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir tools);

my $data = data_dir();
my $laps = "$data/laps-2024";
my $bt = tools() . '/f1-replay-backtest';

plan(skip_all => "lap tables not found in $laps (set F1_REPLAY_DATA)")
    unless -d $laps;
plan(skip_all => "$bt not built (make -C scripts/tools)") unless -x $bt;

my %race = map { m{/(\d\d)_[^/]*\.csv$} ? ($1 => $_) : () }
           glob("$laps/*.csv");
is(scalar keys %race, 24, '24 races of 2024');

sub run {
    my (@args) = @_;

    my $out = `$bt @args 2>&1`;
    return ($? >> 8, $out);
}

sub result {
    my ($out) = @_;

    my ($line) = $out =~ /^(RESULT .*)$/m;
    return {} unless $line;
    return { map { split /=/, $_, 2 } grep { /=/ } split ' ', $line };
}

sub beats {
    my ($r, $what, @keys) = @_;

    for my $k (@keys) {
        my $lower = $k =~ /mae|brier/;
        my @base = $k eq 'brier' ? ('brier_base', 'brier_gap')
                 : $k eq 'auc' ? ('auc_gap') : ("${k}_base");

        for my $b (@base) {
            ok($lower ? $r->{$k} < $r->{$b} : $r->{$k} > $r->{$b},
               "$what: $k $r->{$k} beats $b $r->{$b}");
        }
    }
}

my @all = qw(stop_mae hit1 hit2 stop_mae10 hit1_10 hit2_10 stop_pmae10
             compound stops brier auc);

# four races (rounds 1, 4 and 10 were among those that set the priors)

my ($rc, $out) = run('--quiet', @race{qw(01 04 10 24)});
is($rc, 0, 'four races: exit status 0') or diag($out);
my $r = result($out);
is($r->{races}, 4, 'four races scored');
ok($r->{pairs} > 1000, "overtake pairs scored ($r->{pairs})");
beats($r, 'four races', @all);
ok($r->{auc} >= 0.80, "four races: overtake AUC $r->{auc} >= 0.80");
ok($r->{stop_mae10} <= 3, "four races: MAE within 10 laps $r->{stop_mae10}"
   . ' <= 3');

# the season: every metric beats its baseline; the MAE within 10 laps of
# the stop meets the issue's target of 3 laps, narrowly (2.98: README.md)

($rc, $out) = run('--quiet', '--season', $laps);
is($rc, 0, 'season: exit status 0') or diag($out);
$r = result($out);
is($r->{races}, 24, 'season: 24 races');
beats($r, 'season', @all);
ok($r->{auc} >= 0.80, "season: overtake AUC $r->{auc} >= 0.80");
ok($r->{stop_mae10} <= 3, "season: MAE within 10 laps $r->{stop_mae10}"
   . ' <= 3');

# the reference without a model (a stop always 5 laps ahead): over the
# laps 1-10 before the stop (chosen by the outcome) it scores better than
# the model; over the laps where the stop is called within 10 laps
# (chosen by the prediction) it is worse than the model and the baseline

like($out, qr/^reference, no model: a stop always 5 laps ahead$/m,
     'season: reference printed');
ok($r->{stop_mae10_ref} < $r->{stop_mae10},
   "season: reference's MAE within 10 laps of the stop $r->{stop_mae10_ref}"
   . " (model $r->{stop_mae10})");
ok($r->{stop_pmae10_ref} > $r->{stop_pmae10_base}
   && $r->{stop_pmae10_ref} == $r->{stop_mae_ref},
   "season: reference's MAE where the stop is called within 10 laps "
   . "$r->{stop_pmae10_ref} (every lap), baseline $r->{stop_pmae10_base}");

my $cal_title = 'calibration of P(overtake within 3 laps), coefficients '
                . 'fitted leaving the race out';
like($out, qr/^\Q$cal_title\E$/m, 'season: calibration table');
ok($r->{brier_prior} < $r->{brier_gap} && $r->{auc_prior} >= 0.80,
   "season: prior overtake coefficients: Brier $r->{brier_prior}, "
   . "AUC $r->{auc_prior}");

# the next-stop window: 80 % intervals calibrated on rounds 1-12 cover
# 75-85 % of the stops over the season; confidence within 0.1 of what
# happened in every bin of 100 predictions or more

ok($r->{cover} >= 0.75 && $r->{cover} <= 0.85,
   "season: 80 % window covers $r->{cover} of the stops");
ok($r->{conf_dev} <= 0.1, "season: confidence reliability, worst bin "
   . "off by $r->{conf_dev}");
like($out, qr/^window coverage [\d.]+ of \d+ stops/m,
     'season: window coverage printed');
ok($r->{compound} >= 0.70 && $r->{stops} >= 0.70,
   "season: next compound $r->{compound}, stops $r->{stops} >= 0.70");

# undercut and overcut are scored (and left out of the payload: they do
# not beat the naive rules)

ok($r->{undercut_n} >= 50 && $r->{overcut_n} >= 50,
   "season: undercut ($r->{undercut_n}) and overcut ($r->{overcut_n}) "
   . 'events scored');
like($out, qr/^undercut\s+\d+\s+[\d.]+\s+[\d.]+/m, 'undercut row printed');

# the held-out half (rounds 13-24): the targets it meets (README.md)

my @late = map { $race{sprintf('%02d', $_)} } 13 .. 24;
my ($rc2, $out2) = run('--quiet', @late);
is($rc2, 0, 'rounds 13-24: exit status 0') or diag($out2);
my $h = result($out2);
ok($h->{compound} >= 0.70, "rounds 13-24: next compound $h->{compound}");
ok($h->{stops} >= 0.75, "rounds 13-24: number of stops $h->{stops}");
ok($h->{cover} >= 0.75 && $h->{cover} <= 0.85,
   "rounds 13-24: window coverage $h->{cover}");
ok($h->{compound_lost} <= 3, "rounds 13-24: compound call loses to its "
   . "baseline in $h->{compound_lost} races");

# the fitted model's table (the first): every decile within 0.1

my ($table) = $out =~ /leaving the race out\n(.*?)\n\n/s;
my @cal = ($table // '') =~ /^\s*(\d\.\d) - \d\.\d\s+(\S+)\s+(\S+)\s+(\d+)$/mg;
is(scalar @cal, 40, 'calibration: ten deciles');
while (my ($lo, $p, $obs, $n) = splice(@cal, 0, 4)) {
    ok(abs($p - $obs) < 0.1, "calibration $lo: predicted $p, observed "
       . "$obs (n $n)");
}

# the Dutch GP archive (per-lap timing through the session adapter)

my $dutch = "$data/2025-dutch-grand-prix-race";

SKIP: {
    skip("no $dutch", 12) unless -d $dutch;

    ($rc, $out) = run('--quiet', $dutch);
    is($rc, 0, 'Dutch GP archive: exit status 0') or diag($out);
    $r = result($out);
    beats($r, 'Dutch GP', qw(stop_mae stop_mae10 hit2_10 compound stops
                             brier));
    ok($r->{auc} > 0.7, "Dutch GP: overtake AUC $r->{auc}");

    ($rc, $out) = run('--json', 40, $dutch);
    is($rc, 0, 'Dutch GP: payload at lap 40');
    my $p = eval { decode_json($out) } || {};
    is($p->{model}, 'ngx_f1_replay_strategy/2', 'model version');
    is($p->{lap}, 40, 'computed at lap 40');
    is(scalar keys %{$p->{cars}}, 20, 'a car object per racing number');
    is($p->{cars}{55}{stops}, 2, 'Sainz: two stops by lap 40');
    ok($p->{pit_loss}{green}{n} > 0
       && $p->{pit_loss}{green}{ms} > 12000
       && $p->{pit_loss}{green}{ms} < 30000,
       "green pit loss measured ($p->{pit_loss}{green}{ms} ms)");
    ok($p->{pit_loss}{sc}{ms} < $p->{pit_loss}{green}{ms},
       'SC pit loss below green');
    is($p->{cars}{44}{active}, JSON::PP::false, 'Hamilton out of the race');
}

# leakage: laps after L deleted; archive lines after t deleted

my @arch = grep { -d } map { "$data/$_" } qw(2025-dutch-grand-prix-race
                                             2018-azerbaijan-grand-prix-race);
($rc, $out) = run('--leakage', @race{qw(01 08 09 21)}, @arch);
is($rc, 0, 'leakage: exit status 0') or diag($out);
like($out, qr/^RESULT races=\d+ leakage=ok differences=0$/m,
     'leakage: no difference');
is(scalar(() = $out =~ /session-level leakage ok/g), scalar @arch,
   'leakage: session level on the archives');

# inputs it cannot use

my $mexico = "$data/2025-mexico-city-grand-prix-race";
SKIP: {
    skip("no $mexico", 2) unless -d $mexico;
    ($rc, $out) = run($mexico);
    is($rc, 2, 'Mexico race (no TimingData): exit status 2');
    like($out, qr/no per-lap timing/, '... and why');
}

my $dir = tempdir(CLEANUP => 1);
open(my $fh, '>', "$dir/bad.csv") or die;
print $fh "Time,Driver,DriverNumber,LapTime,LapNumber,Stint,PitOutTime,"
          . "PitInTime,Compound,TyreLife,FreshTyre,TrackStatus,Position,"
          . "EventName\n"
          . "1,AAA,1,90000000000,1,1,,,SOFT,1,true,1,1,\"Test, GP\"\n";
close($fh);

($rc, $out) = run("$dir/bad.csv");
is($rc, 2, 'a quoted field: exit status 2');
like($out, qr/bad\.csv:2: quoted field/, '... with file and line');

done_testing();
