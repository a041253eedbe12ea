# f1-replay-inspect --timeline on the recorded sessions: the Dutch GP's
# pit stops and track-status periods checked against its PROVENANCE.md,
# read at test time (nothing from the data is copied here), and the
# sessions without some topics listing what they have.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir tools);

my $data = data_dir();
my $inspect = tools() . '/f1-replay-inspect';
my $dutch = "$data/2025-dutch-grand-prix-race";

plan(skip_all => "recorded sessions not found in $data (set F1_REPLAY_DATA)")
    unless -d $dutch && -r "$dutch/PROVENANCE.md";
plan(skip_all => "$inspect not built (make -C scripts/tools)") unless -x $inspect;

sub inspect {
    my (@args) = @_;

    my $out = `$inspect @args 2>&1`;
    is($? >> 8, 0, "f1-replay-inspect @args") or diag($out);

    return decode_json($out);
}

sub ms {
    my ($t) = @_;

    my ($h, $m, $s, $ms) = $t =~ /^(\d+):(\d\d):(\d\d)\.(\d\d\d)$/
        or die "bad time $t";

    return (($h * 60 + $m) * 60 + $s) * 1000 + $ms;
}

sub of_type {
    my ($tl, $type) = @_;

    return grep { $_->{event} eq $type } @{$tl->{events}};
}

# the common shape: ids are indexes, events sorted by time, count right

sub check_shape {
    my ($tl, $name) = @_;

    my @ev = @{$tl->{events}};

    is($tl->{count}, scalar @ev, "$name: count");
    ok(!$tl->{truncated}, "$name: not truncated");
    is(scalar(grep { $ev[$_]{id} != $_ } 0 .. $#ev), 0,
       "$name: the id is the index");
    is(scalar(grep { $ev[$_]{t} < $ev[$_ - 1]{t} } 1 .. $#ev), 0,
       "$name: sorted by time");
}


# PROVENANCE.md: the cars table and the track-status build notes

open my $fh, '<:encoding(UTF-8)', "$dutch/PROVENANCE.md"
    or die "PROVENANCE.md: $!";
my @provenance = <$fh>;
close $fh;

my (%listed, %no_exit, %retired, @transitions, $final_order);

for (@provenance) {
    # | Grid | No. | TLA | Team | Laps | Result | Pit stops (detected) |

    if (/^\|\s*\d+\s*\|\s*(\d+)\s*\|\s*([A-Z]{3})\s*\|.*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|\s*$/) {
        my ($tla, $result, $stops) = ($2, $3, $4);

        $retired{$tla} = ms($1) if $result =~ /retired at (\S+)/;
        $listed{$tla} = [];

        for my $stop (split /\s*,\s*/, $stops) {
            next unless $stop =~ /^(\d\d:\d\d:\d\d\.\d\d\d)(\s*\(no exit\))?/;
            if ($2) {
                $no_exit{$tla} = $1;
            } else {
                push @{$listed{$tla}}, $1;
            }
        }
    }

    push @transitions, [$1, $2, $3]
        if /^- track status (\d)->(\d): .*placed at (\d\d:\d\d:\d\d\.\d\d\d)/;

    $final_order = $1 if /rebuilt final order \(TimingData replay\): (.*)/;
}

is(scalar keys %listed, 20, 'PROVENANCE.md: 20 cars in the table');
ok(@transitions >= 8, 'PROVENANCE.md: track-status transitions');


my $sum = inspect($dutch);
my $tl = inspect($dutch, '--timeline');

check_shape($tl, 'Dutch GP');

my %by_tla = map { $_->{tla} => $_ } @{$sum->{drivers}};


# (a) pit stops: every stop of the table but those with "no exit", at the
# very time listed, and no other.
#
# The table lists the time where the car's TimingData InPit turns on (the
# speed drops below 90 km/h before the stationary stop), and the timeline
# gives a pit stop the time of its pit entry, that same InPit time, so
# the tolerance is 0 ms.  (The stationary moment itself is not in the
# archive: it would be some 5 to 15 s after the entry.)  A stop marked
# "no exit" (LEC: its data ends in the pit lane) has no new stint, so no
# tyre change is known: by the timeline's rule it is not a pit stop.

my $tolerance = 0;
my @stops = of_type($tl, 'pit_stop');
my %found;

push @{$found{$_->{tla}}}, $_ for @stops;

my $expected = 0;

for my $tla (sort keys %listed) {
    my @want = @{$listed{$tla}};
    my @got = @{$found{$tla} // []};

    $expected += @want;

    is(scalar @got, scalar @want, "Dutch GP: $tla: " . @want . ' stops');

    for my $i (0 .. $#want) {
        ok($got[$i] && abs($got[$i]{t} - ms($want[$i])) <= $tolerance,
           "Dutch GP: $tla stop at $want[$i] (pit entry)")
            or diag(explain($got[$i]));
        ok($got[$i] && defined $got[$i]{end}
           && $got[$i]{end} - $got[$i]{t} > 10000
           && $got[$i]{end} - $got[$i]{t} < 60000,
           "... with a pit exit 10 to 60 s later");
    }
}

is(scalar @stops, $expected, "Dutch GP: $expected pit stops, no other");

for my $tla (sort keys %no_exit) {
    is(scalar(grep { $_->{time} eq $no_exit{$tla} } @{$found{$tla} // []}), 0,
       "Dutch GP: $tla in the pit lane at $no_exit{$tla} with no exit "
       . 'and no new stint is not a stop');
    ok(grep({ $_ eq $no_exit{$tla} } @{$by_tla{$tla}{pit_in}}),
       '... though its pit entry is in the data');
}

# PROVENANCE.md says stops without a tyre change would be counted and
# start a stint: in this archive every new stint is a real tyre change
# (each stint event is matched by a pit stop).  Some are onto another used
# set of the same compound: a stop only because the set's age (StartLaps)
# differs from the age the previous set had reached.

my @stints = of_type($tl, 'stint');
my $all_stints = 0;
$all_stints += @{$_->{stints}} - 1 for @{$sum->{drivers}};

is(scalar @stints, $all_stints, 'Dutch GP: a stint event for every new stint');
is(scalar(grep { !$_->{tyre_change} } @stints), 0,
   'Dutch GP: no stint without a tyre change');

my $same = 0;

for my $d (@{$sum->{drivers}}) {
    my @s = @{$d->{stints}};

    for my $k (1 .. $#s) {
        next unless $s[$k]{compound} eq $s[$k - 1]{compound}
                    && !$s[$k]{new};

        $same++;
        ok($s[$k]{start_age} != $s[$k - 1]{total_laps}
           && grep({ $_->{stint} == $k + 1 } @{$found{$d->{tla}} // []}),
           "Dutch GP: $d->{tla} stint " . ($k + 1) . " ($s[$k]{compound}, "
           . "used, aged $s[$k]{start_age} after $s[$k - 1]{total_laps}) "
           . 'is a pit stop');
    }
}

ok($same > 0, "Dutch GP: $same stops onto a used set of the same compound");


# (b) SC and VSC periods: the build notes' transitions to the ms

my (%want_periods, $state);
my %kind = (4 => 'safety_car', 5 => 'red_flag', 6 => 'vsc', 7 => 'vsc');

for my $tr (@transitions) {
    my ($from, $to, $t) = @$tr;
    my ($k0, $k1) = ($kind{$from} // '', $kind{$to} // '');

    next if $k0 eq $k1;

    $want_periods{$k0}[-1][1] = $t if $k0;
    push @{$want_periods{$k1}}, [$t, undef] if $k1;
}

for my $type (qw(safety_car vsc red_flag)) {
    my @want = @{$want_periods{$type} // []};
    my @got = of_type($tl, $type);

    is(scalar @got, scalar @want, "Dutch GP: " . @want . " $type periods");

    for my $i (0 .. $#want) {
        is(($got[$i]{time} // '') . ' - ' . ($got[$i]{end_time} // 'none'),
           "$want[$i][0] - " . ($want[$i][1] // 'none'),
           "Dutch GP: $type period $want[$i][0]");
    }
}


# (c) start and leader laps

my @start = of_type($tl, 'start');
is(scalar @start, 1, 'Dutch GP: one start');
is($start[0]{time}, '00:10:00.000', 'Dutch GP: start at lights-out');

my @laps = of_type($tl, 'lap');
ok(@laps == 71 || @laps == 72, 'Dutch GP: ' . @laps . ' leader laps');
is(join(',', map { $_->{lap} } @laps), join(',', 1 .. @laps),
   'Dutch GP: laps 1, 2, ... in order');
is($laps[0]{time}, '00:10:00.000', 'Dutch GP: lap 1 begins at lights-out');


# (d) overtakes, none by or of a car in the pit lane or retired: between
# its pit entry and 30 s after its pit exit (PitOut), from a pit entry
# with no exit on, or after its retirement

my @passes = of_type($tl, 'overtake');
ok(@passes > 10, 'Dutch GP: ' . @passes . ' overtakes');

my %busy;

for my $s (@stops) {
    push @{$busy{$s->{tla}}},
        [$s->{t}, defined $s->{end} ? $s->{end} + 30000 : 1e10];
}

for my $d (@{$sum->{drivers}}) {
    for my $t (@{$d->{pit_in}}) {
        push @{$busy{$d->{tla}}}, [ms($t), ms($t) + 60000];
    }

    push @{$busy{$d->{tla}}}, [$retired{$d->{tla}}, 1e10]
        if defined $retired{$d->{tla}};
}

my @bad;

for my $p (@passes) {
    for my $tla ($p->{tla}, $p->{other_tla}) {
        push @bad, "$p->{time} $p->{tla} on $p->{other_tla}"
            if grep { $p->{t} >= $_->[0] && $p->{t} <= $_->[1] }
                    @{$busy{$tla} // []};
    }
}

is(scalar @bad, 0, 'Dutch GP: no overtake by or of a car in the pit lane '
                   . 'or retired') or diag(join "\n", @bad);
is(scalar(grep { $_->{driver} == $_->{other} || $_->{position} < 1 }
                @passes), 0, 'Dutch GP: overtakes name two cars and a place');
is(scalar(grep { $_->{t} <= ms('00:10:00.000') } @passes), 0,
   'Dutch GP: no overtake before the start');


# fastest laps: each faster than the one before, the last the race's best

my @fastest = of_type($tl, 'fastest_lap');
ok(@fastest > 1, 'Dutch GP: ' . @fastest . ' new fastest laps');
is(scalar(grep { $fastest[$_]{lap_time_ms} >= $fastest[$_ - 1]{lap_time_ms} }
                1 .. $#fastest), 0, 'Dutch GP: each faster than the last');

my $end = inspect($dutch, '--at', $sum->{end});
my ($best) = sort { $a <=> $b }
             grep { defined } map { $_->{best_lap_ms} } @{$end->{cars}};
is($fastest[-1]{lap_time_ms}, $best,
   'Dutch GP: the last is the best lap of the race');


# finish: the winner of PROVENANCE.md's final order

my @finish = of_type($tl, 'finish');
my ($winner) = split ' ', $final_order // '';
is(scalar @finish, 1, 'Dutch GP: one finish');
is($finish[0]{tla}, $winner, "Dutch GP: $winner finishes first");


# type filter

my $some = inspect($dutch, '--timeline', 'pit_stop,safety_car');
is($some->{count}, @stops + of_type($tl, 'safety_car'),
   'filter: pit_stop,safety_car: those only');
is(scalar(grep { $_->{event} ne 'pit_stop' && $_->{event} ne 'safety_car' }
                @{$some->{events}}), 0, '... no other type');
is($some->{events}[0]{id}, $stops[0]{id}, '... ids of the whole timeline');

my $out = `$inspect $dutch --timeline pit_stops 2>&1`;
is($? >> 8, 2, 'filter: an unknown type is refused');
like($out, qr/bad event types "pit_stops"/, '... and named');


# the other sessions: what they have is listed, nothing more

for my $name (qw(2018-azerbaijan-grand-prix-race
                 2025-mexico-city-grand-prix-race
                 2025-mexico-city-grand-prix-qualifying))
{
    my $dir = "$data/$name";

    SKIP: {
        skip("$name not found", 1) unless -d $dir;

        my $s = inspect($dir);
        my $t = inspect($dir, '--timeline');
        my $race = $s->{total_laps} > 0;

        check_shape($t, $name);

        is(scalar of_type($t, 'race_control'), $s->{race_control_messages},
           "$name: a race_control event per message");
        is(scalar of_type($t, 'start'), 1, "$name: a start");
        is(scalar of_type($t, 'lap'), $race ? $s->{total_laps} : 0,
           "$name: leader laps " . ($race ? 'from LapCount' : 'none'));
        ok(scalar(of_type($t, 'pit_stop')) > 0, "$name: pit stops");
        ok(scalar(of_type($t, 'finish')) > 0, "$name: finish");

        my @st = of_type($t, 'stint');
        my $n = 0;
        $n += @{$_->{stints}} - 1 for grep { @{$_->{stints}} }
                                      @{$s->{drivers}};
        ok(@st <= $n, "$name: no more stint events than new stints");

        if ($name =~ /qualifying/) {
            is(scalar of_type($t, 'overtake'), 0,
               "$name: no overtakes outside races");
            ok(scalar(of_type($t, 'race_control')) > 0,
               "$name: race control messages");

        } elsif ($name =~ /mexico/) {
            is(scalar of_type($t, 'overtake'), 0,
               "$name: no overtakes without TimingData");
            is(scalar(grep { defined $_->{end} } of_type($t, 'pit_stop')),
               0, "$name: pit stops without a pit exit (no InPit data)");

        } else {
            ok(scalar(of_type($t, 'overtake')) > 0, "$name: overtakes");
            ok(scalar(of_type($t, 'safety_car')) > 0, "$name: SC periods");
        }
    }
}

done_testing();
