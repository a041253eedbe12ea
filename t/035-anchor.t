# The wall-clock anchor: two nginx instances configured alike, started at
# different moments, emit the same tick numbers within one tick and the
# same session time for the same tick, checked by one client connected to
# both; an anchor ahead keeps clients waiting, then tick 0 plays at the
# anchor's UTC time.  Plain Test::More driving nginx masters by pid.

use strict;
use warnings;

use Test::More;
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_prefix nginx_start nginx_stop bad_log_lines
                 fixture free_port run_check);

my $data = data_dir();
my $python = '/usr/bin/python3';

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";

# the two instances, and the one with an anchor ahead
my @port = $ENV{TEST_NGINX_ANCHOR_PORT}
           ? map { $ENV{TEST_NGINX_ANCHOR_PORT} + $_ } 0 .. 2
           : free_port(3);

sub utc {
    my ($ms) = @_;
    return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int($ms / 1000)))
           . sprintf('.%03dZ', $ms % 1000);
}

my @pids;
my @prefixes;

sub start {
    my ($port, $anchor, $path, $start) = @_;

    $path //= "$data/2025-dutch-grand-prix-race";
    $start //= '00:30:00';

    my $prefix = nginx_prefix(<<"END", master => 1);
    f1_replay_session dutch path=$path
        zone=dutch:64m start=$start anchor=$anchor;
    server {
        listen 127.0.0.1:$port;
        location = /ws {
            f1_replay dutch;
        }
    }
END

    push @pids, nginx_start($prefix);
    push @prefixes, $prefix;
}

sub check {
    my ($name, @args) = @_;

    return run_check($name, "$python $FindBin::Bin/control_check.py @args");
}

# session time 00:30:00 played 7.31 s ago; the instances start 1.3 s apart

my $anchor = utc(int(time() * 1000) - 7310);

start($port[0], $anchor);
sleep 1.3;
start($port[1], $anchor);

my $r = check('one client on each instance: the same ticks',
              'anchor', '127.0.0.1', $port[0], $port[1], 3);
cmp_ok($r->{max_sent_diff_ms} // 99, '<=', 21,
       "... each tick sent by both within one tick (20 ms) of each other "
       . "(at most " . ($r->{max_sent_diff_ms} // '?') . ' ms apart)');
cmp_ok($r->{common_ticks} // 0, '>=', 120,
       "... the same session time at $r->{common_ticks} common ticks");

# an anchor 2.5 s ahead (a small hand-made session, quick to load):
# waiting, then tick 0 at the anchor

my $ahead = int(time() * 1000) + 2500;
start($port[2], utc($ahead), fixture(), 'lights_out');

$r = check('an anchor ahead: clients wait for it', 'wait', '127.0.0.1',
           $port[2], $ahead);
is($r->{hello_state}, 'waiting', '... the hello says waiting');
is($r->{anchor}, utc($ahead), '... and names the anchor');
cmp_ok($r->{first_tick} // 99, '<=', 1, '... the first frame is tick 0 or 1');
ok(defined $r->{first_sent_after_anchor_ms}
   && $r->{first_sent_after_anchor_ms} >= -2      # ms rounding
   && $r->{first_sent_after_anchor_ms} < 100,
   '... sent at the anchor (+' . ($r->{first_sent_after_anchor_ms} // '?')
   . ' ms)');

for my $pid (@pids) {
    is(nginx_stop($pid) >> 8, 0, "nginx $pid exited cleanly");
}

for my $prefix (@prefixes) {
    my @bad = bad_log_lines($prefix);
    is(scalar @bad, 0, 'no [alert], [crit], [error] or sanitizer report')
        or diag(@bad);
}

done_testing();
