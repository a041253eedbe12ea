# The 50 Hz frame (f1-replay-inspect --frame, the module's own encoder)
# against values computed by hand from the raw archive: this test decodes
# CarData.z and Position.z itself (base64, raw DEFLATE, JSON::PP), maps
# UTC to session time with the archive's utc0, and for one car works out
# what the frame must say at chosen session times: exactly on a sample,
# between two samples (linear, rounded halves up), on and around the one
# sample without a throttle value, in a gap over 1 s if there is one,
# before the first and after the last sample.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use Compress::Raw::Zlib;
use POSIX qw(floor);
use Time::Local qw(timegm);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir tools);

my $data = data_dir();
my $dir = "$data/2025-dutch-grand-prix-race";
my $inspect = tools() . '/f1-replay-inspect';

plan(skip_all => "recorded sessions not found in $data (set F1_REPLAY_DATA)")
    unless -r "$dir/CarData.z.jsonStream" && -r "$dir/Position.z.jsonStream";
plan(skip_all => "$inspect not built (make -C scripts/tools)") unless -x $inspect;

my $CAR = 23;          # Albon: the one car sample without a throttle value
my $MAX_GAP = 1000;    # ms; samples further apart are not bridged
my $MAX_FRAME = 2560;  # bytes of a full frame, all cars and channels

my $pp = JSON::PP->new->allow_nonref;


# "2025-08-31T13:00:00.1230000Z" -> Unix ms (fraction truncated to ms)

my %utc_sec;

sub utc_ms {
    my ($s) = @_;

    my ($y, $mo, $d, $h, $mi, $sec, $frac) =
        $s =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z?$/
        or die "bad UTC \"$s\"";

    $utc_sec{substr($s, 0, 19)} //= timegm($sec, $mi, $h, $d, $mo - 1, $y);

    return $utc_sec{substr($s, 0, 19)} * 1000
           + substr(($frac // '') . '000', 0, 3);
}

sub iso_utc {
    my ($ms) = @_;

    my @tm = gmtime(floor($ms / 1000));

    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $tm[5] + 1900,
                   $tm[4] + 1, @tm[3, 2, 1, 0], $ms - floor($ms / 1000) * 1000);
}

sub hms {
    my ($ms) = @_;

    return sprintf('%02d:%02d:%02d.%03d', $ms / 3600000, $ms / 60000 % 60,
                   $ms / 1000 % 60, $ms % 1000);
}


# one .z line: base64 of raw DEFLATE in a JSON string (which has no
# escapes unless it is not base64: then JSON::PP reads it, slowly)

sub inflate_z {
    my ($payload) = @_;

    my ($b64) = $payload =~ m{^"([A-Za-z0-9+/=]*)"\z};
    $b64 //= $pp->decode($payload);
    my ($z, $status) = Compress::Raw::Zlib::Inflate->new(
        -WindowBits => -MAX_WBITS());
    die "inflateInit: $status" unless $status == Z_OK;

    my $out;
    $status = $z->inflate(decode_base64($b64), $out);
    die "inflate: $status" unless $status == Z_STREAM_END;

    return $out;
}

sub read_lines {
    my ($file) = @_;

    my @lines;

    open my $fh, '<:raw', $file or die "$file: $!";
    while (my $l = <$fh>) {
        $l =~ s/\r?\n\z//;
        next if $l eq '';
        $l =~ /^(\d\d:\d\d:\d\d\.\d{3})(".*")\z/ or die "$file:$.: not .z";
        push @lines, $2;
    }
    close $fh;

    return \@lines;
}


# utc0, as the module computed it (the summary prints it)

my $summary = decode_json(scalar `$inspect $dir 2>/dev/null`);
my $utc0 = utc_ms($summary->{utc0});
is($summary->{utc0}, '2025-08-31T12:50:00.000Z', 'utc0 of the Dutch GP');


# Index every sample of the car in both topics: session time and line.
# A cheap scan finds them; the values compared below come from a full
# JSON::PP decode of those lines.

my %topic = (
    car => { file => 'CarData.z', list => 'Entries', time => 'Utc' },
    pos => { file => 'Position.z', list => 'Position', time => 'Timestamp' },
);

for my $k (sort keys %topic) {
    my $tp = $topic{$k};
    my $key = $tp->{time};

    $tp->{lines} = read_lines("$dir/$tp->{file}.jsonStream");
    $tp->{index} = [];
    $tp->{no_value} = [];

    for my $i (0 .. $#{$tp->{lines}}) {
        my $text = inflate_z($tp->{lines}[$i]);
        my $utc;

        # a line with a throttle of 104 somewhere, for below

        push @{$tp->{no_value}}, $i if $text =~ /"4":104\b/;

        while ($text =~ /"$key":"([^"]+)"|"$CAR":\{/g) {
            if (defined $1) {
                $utc = $1;
                next;
            }

            push @{$tp->{index}}, [utc_ms($utc) - $utc0, $i];
        }
    }

    @{$tp->{index}} = sort { $a->[0] <=> $b->[0] } @{$tp->{index}};

    ok(@{$tp->{index}} > 40000,
       "$tp->{file}: " . @{$tp->{index}} . " samples of car $CAR");
}


# the samples of car $CAR in line $i, fully decoded: { t => values }

my %decoded;

sub line_samples {
    my ($k, $i) = @_;

    my $tp = $topic{$k};

    return $decoded{$k}{$i} if $decoded{$k}{$i};

    my $msg = $pp->decode(inflate_z($tp->{lines}[$i]));
    my %s;

    for my $e (@{$msg->{$tp->{list}}}) {
        my $car = $k eq 'car' ? $e->{Cars}{$CAR} : $e->{Entries}{$CAR};
        next unless $car;

        my $t = utc_ms($e->{$tp->{time}}) - $utc0;

        $s{$t} = $k eq 'car' ? $car->{Channels} : $car;
    }

    return $decoded{$k}{$i} = \%s;
}

# sample $n of the index, decoded: { t, values... } (undef out of range)

sub sample {
    my ($k, $n) = @_;

    my $ix = $topic{$k}{index};

    return undef if $n < 0 || $n > $#$ix;

    my ($t, $i) = @{$ix->[$n]};
    my $v = line_samples($k, $i)->{$t};

    die "$topic{$k}{file}: sample at $t not found in line $i" unless $v;

    return { t => $t, %$v };
}

# index of the last sample at or before $t, or -1

sub find {
    my ($k, $t) = @_;

    my $ix = $topic{$k}{index};
    my ($lo, $hi) = (0, scalar @$ix);

    while ($lo < $hi) {
        my $mid = int(($lo + $hi) / 2);

        if ($ix->[$mid][0] <= $t) {
            $lo = $mid + 1;
        } else {
            $hi = $mid;
        }
    }

    return $lo - 1;
}

sub no_fix {
    my ($p) = @_;

    return $p->{X} == 0 && $p->{Y} == 0 && $p->{Z} == 0;
}

# v0 + (v1 - v0) * (t - t0) / (t1 - t0), rounded to the nearest integer,
# halves up; exact: (2 (v0 span + (v1 - v0) dt) + span) / (2 span)

sub lerp {
    my ($v0, $v1, $dt, $span) = @_;

    return floor((2 * ($v0 * $span + ($v1 - $v0) * $dt) + $span)
                 / (2 * $span));
}


# What the frame must say about the car at $t, worked out from the raw
# samples.  Returns the expected members and a note of how.

sub expect {
    my ($t) = @_;

    my %car = (n => $CAR);
    my @how;

    # position: samples without a fix are skipped as if absent

    my $n = find('pos', $t);
    my $a = sample('pos', $n);

    while ($a && no_fix($a)) {
        $a = sample('pos', --$n);
    }

    if ($a) {
        my $m = find('pos', $t) + 1;
        my $b = sample('pos', $m);

        while ($b && no_fix($b) && $b->{t} - $a->{t} <= $MAX_GAP) {
            $b = sample('pos', ++$m);
        }

        @car{qw(x y z)} = @$a{qw(X Y Z)};
        $car{off} = 1 if $a->{Status} eq 'OffTrack';

        if ($a->{t} == $t) {
            $car{ps} = 'r';

        } elsif (!$b || $b->{t} - $a->{t} > $MAX_GAP) {
            $car{ps} = 's';

        } else {
            my ($dt, $span) = ($t - $a->{t}, $b->{t} - $a->{t});

            $car{x} = lerp($a->{X}, $b->{X}, $dt, $span);
            $car{y} = lerp($a->{Y}, $b->{Y}, $dt, $span);
            $car{z} = lerp($a->{Z}, $b->{Z}, $dt, $span);
            $car{ps} = 'i';
        }

        push @how, "position $car{ps} from " . hms($a->{t})
                   . ($car{ps} eq 'i' ? ' and ' . hms($b->{t}) : '');
    }

    # car data: channels 0 rpm, 2 speed, 3 gear, 4 throttle, 5 brake,
    # 45 drs; 104 is "no value"

    $n = find('car', $t);
    $a = sample('car', $n);

    if ($a) {
        my $b = sample('car', $n + 1);

        @car{qw(v rpm g thr brk drs)} = @$a{qw(2 0 3 4 5 45)};
        $car{thr} = undef if $a->{4} == 104;
        $car{brk} = undef if $a->{5} == 104;

        if ($a->{t} == $t) {
            $car{cs} = 'r';

        } elsif (!$b || $b->{t} - $a->{t} > $MAX_GAP) {
            $car{cs} = 's';

        } else {
            my ($dt, $span) = ($t - $a->{t}, $b->{t} - $a->{t});

            $car{v} = lerp($a->{2}, $b->{2}, $dt, $span);
            $car{rpm} = lerp($a->{0}, $b->{0}, $dt, $span);
            $car{thr} = ($a->{4} == 104 || $b->{4} == 104)
                        ? undef : lerp($a->{4}, $b->{4}, $dt, $span);
            $car{cs} = 'i';
        }

        push @how, "car data $car{cs} from " . hms($a->{t})
                   . ($car{cs} eq 'i' ? ' and ' . hms($b->{t}) : '');
    }

    return (\%car, join('; ', @how) || 'no sample yet');
}


# the chosen session times

my $ci = $topic{car}{index};
my $pi = $topic{pos}{index};
my ($first, $last) = ($ci->[0][0], $ci->[-1][0]);
my @times;    # [t, why]

push @times, [$first - 1, 'just before the first sample'],
             [$first, 'on the first sample'];

# exactly on a sample and between two, at several points of the race

for my $at (20, 35, 50, 65, 80, 95) {
    my $n = find('car', $at * 60000);
    my ($t0, $t1) = ($ci->[$n][0], $ci->[$n + 1][0]);

    next if $t1 - $t0 > $MAX_GAP;

    push @times, [$t0, "on a sample at about $at min"],
                 [$t0 + int(($t1 - $t0) / 2), "midway, about $at min"],
                 [$t0 + int(($t1 - $t0) / 3), "a third of the way"],
                 [$t1 - 1, '1 ms before the next sample'];
}

# on and around the sample without a throttle value

my $none;

for my $i (@{$topic{car}{no_value}}) {
    last if defined $none;

    my $s = line_samples('car', $i);

    for my $t (sort { $a <=> $b } keys %$s) {
        if ($s->{$t}{4} == 104) {
            $none = $t;
            last;
        }
    }
}

ok(defined $none, 'the car has a sample without a throttle value'
                  . (defined $none ? ' at ' . hms($none) : ''));

if (defined $none) {
    my $n = find('car', $none);
    my ($p, $q) = ($ci->[$n - 1][0], $ci->[$n + 1][0]);

    push @times, [$none, 'on the sample without throttle'],
                 [int(($p + $none) / 2), 'before the sample without throttle'],
                 [int(($none + $q) / 2), 'after the sample without throttle'];
}

# in a gap over 1 s, in either time base

my @gaps;

for my $ix ($ci, $pi) {
    for my $n (1 .. $#$ix) {
        if ($ix->[$n][0] - $ix->[$n - 1][0] > $MAX_GAP) {
            push @gaps, [$ix->[$n - 1][0], $ix->[$n][0]];
            last;
        }
    }
}

push @times, map { [int(($_->[0] + $_->[1]) / 2), 'in a gap over 1 s'] }
             @gaps;

# after the last sample

push @times, [$last, 'on the last sample'],
             [$last + 1, 'just after the last sample'],
             [$last + 60000, 'a minute after the last sample'];


# the module's frames, all in one run of the inspect tool

my @out = `$inspect $dir --frame @{[ map { $_->[0] } @times ]} 2>&1`;
is($? >> 8, 0, 'f1-replay-inspect --frame with ' . @times . ' times')
    or diag(@out);
is(scalar @out, scalar @times, 'one frame a line');

for my $i (0 .. $#times) {
    my ($t, $why) = @{$times[$i]};
    my $line = $out[$i] // '';
    my $frame = eval { decode_json($line) };

    ok($frame, "$why: a JSON frame") or next;

    my ($car) = grep { $_->{n} == $CAR } @{$frame->{cars}};
    my ($want, $how) = expect($t);

    $car->{off} = 1 if $car && exists $car->{off} && $car->{off};

    is_deeply([@$frame{qw(type tick t utc sent)}],
              ['frame', 0, $t, iso_utc($utc0 + $t), 0],
              "$why: frame at " . hms($t) . ' ' . iso_utc($utc0 + $t));
    is_deeply($car, $want, "$why (" . hms($t) . "): $how")
        or diag("frame: ", encode_json($car // {}));
    ok(length($line) - 1 <= $MAX_FRAME,
       "$why: frame of " . (length($line) - 1) . " bytes, at most $MAX_FRAME");
}

SKIP: {
    skip('no gap over 1 s among the ' . @$ci . ' car and ' . @$pi
         . " position samples of car $CAR (t/unit/test_frame.c covers "
         . 'gaps)', 1) unless @gaps;

    pass('times in a gap over 1 s were checked');
}

done_testing();
