# f1-replay-inspect (built from the loader's sources) on the recorded
# sessions: facts checked against the data and its PROVENANCE.md.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir tools);

my $data = data_dir();
my $inspect = tools() . '/f1-replay-inspect';

plan(skip_all => "recorded sessions not found in $data (set F1_REPLAY_DATA)")
    unless -d "$data/2025-dutch-grand-prix-race";
plan(skip_all => "$inspect not built (make -C scripts/tools)") unless -x $inspect;

sub inspect {
    my (@args) = @_;

    my $out = `$inspect @args 2>&1`;
    is($? >> 8, 0, "f1-replay-inspect @args") or diag($out);

    return decode_json($out);
}

my $s;

# Mexico City qualifying: 20 drivers, car and position samples for each

$s = inspect("$data/2025-mexico-city-grand-prix-qualifying");
is(scalar @{$s->{drivers}}, 20, 'Mexico quali: 20 drivers');
is(scalar(grep { $_->{car_samples} > 1000 && $_->{position_samples} > 1000 }
           @{$s->{drivers}}), 20,
   'Mexico quali: car and position samples for each');
is($s->{session_type}, 'Qualifying', 'Mexico quali: session type');
ok($s->{outline}{points} > 100, 'Mexico quali: a track outline');
is($s->{weather_samples}, 78, 'Mexico quali: 78 weather lines');

# Dutch GP: PROVENANCE.md's samples per car, laps, result and pit stops

my %samples = (VER => 44234, GAS => 44392, ANT => 44277, ALO => 44308,
               LEC => 30634, STR => 44294, TSU => 44321, ALB => 44270,
               HUL => 44363, LAW => 44346, OCO => 44325, NOR => 39022,
               COL => 44328, HAM => 12816, BOR => 44378, SAI => 44348,
               HAD => 44248, RUS => 44266, PIA => 44222, BEA => 44289);
my %laps = (NOR => 64, LEC => 52, HAM => 22);

$s = inspect("$data/2025-dutch-grand-prix-race");
is($s->{total_laps}, 72, 'Dutch GP: 72 laps');
is($s->{lights_out}, '00:10:00.000', 'Dutch GP: lights-out');
is($s->{utc0}, '2025-08-31T12:50:00.000Z', 'Dutch GP: UTC of time zero');
is(join(' ', @{$s->{classification}}),
   'PIA VER HAD RUS ALB ANT BEA STR ALO TSU OCO COL LAW SAI HUL BOR GAS '
   . 'NOR LEC HAM', 'Dutch GP: final order of PROVENANCE.md');

for my $d (@{$s->{drivers}}) {
    is($d->{car_samples}, $samples{$d->{tla}}, "Dutch GP: $d->{tla} samples");
    is($d->{position_samples}, $samples{$d->{tla}},
       "Dutch GP: $d->{tla} position samples");
    is($d->{laps}, $laps{$d->{tla}} // 72, "Dutch GP: $d->{tla} laps");
}

my @xy = @{$s->{outline}{xy}};
ok(@xy / 2 > 200, 'Dutch GP: track outline of over 200 points');
is(scalar @xy, 2 * $s->{outline}{points}, '... all of them served');
ok(sqrt(($xy[0] - $xy[-2]) ** 2 + ($xy[1] - $xy[-1]) ** 2) < 500,
   '... a closed lap (ends within 50 m of its start)');
my $len = 0;
$len += sqrt(($xy[$_] - $xy[$_ - 2]) ** 2 + ($xy[$_ + 1] - $xy[$_ - 1]) ** 2)
    for grep { $_ % 2 == 0 } 2 .. $#xy;
ok($len > 40000 && $len < 48000,
   "... about Zandvoort's 4.26 km long (" . int($len / 10) . ' m)');

my ($sai) = grep { $_->{tla} eq 'SAI' } @{$s->{drivers}};
is_deeply($sai->{pit_in}, ['00:39:48.111', '00:47:17.593', '01:18:34.740',
                           '01:38:28.244'], 'Dutch GP: Sainz pit stops');
is(scalar @{$sai->{stints}}, 5, 'Dutch GP: Sainz five stints');

my ($lec) = grep { $_->{tla} eq 'LEC' } @{$s->{drivers}};
ok($lec->{retired}, 'Dutch GP: Leclerc retired');

# 2018 Azerbaijan (BOM + CRLF): laps and stints

$s = inspect("$data/2018-azerbaijan-grand-prix-race");
is($s->{total_laps}, 51, 'Baku: 51 laps');
ok($s->{timing_only}, 'Baku: timing only');
my ($ham) = grep { $_->{tla} eq 'HAM' } @{$s->{drivers}};
is($ham->{laps}, 51, 'Baku: Hamilton 51 laps');
is(join(' ', map { $_->{compound} } @{$ham->{stints}}),
   'SUPERSOFT SOFT ULTRASOFT', 'Baku: Hamilton stints (TimingAppData)');
is(join(' ', @{$s->{classification}}[0 .. 4]), 'HAM RAI PER VET SAI',
   'Baku: podium and more');
is(scalar(grep { @{$_->{stints}} } @{$s->{drivers}}), 20,
   'Baku: stints for all 20 drivers');

# Mexico City race: timing only

$s = inspect("$data/2025-mexico-city-grand-prix-race");
ok($s->{timing_only}, 'Mexico race: timing only');
is($s->{total_laps}, 71, 'Mexico race: 71 laps');
is(scalar @{$s->{drivers}}, 20, 'Mexico race: 20 drivers');
is($s->{classification}[0], 'NOR', 'Mexico race: winner');

# race state at a session time

$s = inspect("$data/2025-dutch-grand-prix-race", '--at', '01:00:00.000');
is($s->{time}, '01:00:00.000', 'state: time');
is(scalar @{$s->{cars}}, 20, 'state: every car');
is($s->{cars}[0]{tla}, 'PIA', 'state: leader');

# a missing archive: exit status 1 and the reason

my $out = `$inspect $data/no-such-session 2>&1`;
is($? >> 8, 1, 'missing archive: exit status 1');
like($out, qr/no-such-session.*No such file or directory/, '... and why');

done_testing();
