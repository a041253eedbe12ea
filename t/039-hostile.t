# Hostile and careless clients (issue 10), each against an nginx of its
# own, with t/hostile_check.py:
#
#   - 50 clients that never read (4 KB receive buffer; nginx's send buffer
#     16 KB, so that theirs fill at once) are closed on nginx's side within
#     a bound: with pings (1 s, pong timeout 1 s) the 1001 after the pong
#     timeout, without pings the 1008 after f1_replay_max_skipped (50, 1 s
#     at 50 Hz), each followed by the close's deadline (1 s) whether or not
#     the close frame left; a client that reads, connected meanwhile, sees
#     every tick and nothing else; /status counts it alone, then none
#   - the subscription table: 256 distinct subscriptions in a worker (256
#     delays in whole seconds); the 257th is refused before the upgrade
#     (503, counted as refused "subscriptions"); a delay already there is
#     still served; delays are whole seconds, to the nearest (?delay=1.6
#     is 2 s in hello's clock)
#   - clients reset (SO_LINGER 0) as a control change (seek, pause,
#     resume, restart) lands at speed 50, each the last member of its
#     subscription: under the ASan nginx no LeakSanitizer report when
#     nginx exits (a subscription freed mid-tick kept that tick's clock,
#     state and event messages)
#   - clients 20 s and 40 s behind, both at tick 0 of their view, while
#     70 control changes push the segment they see out of the clock's
#     history: each clock message carries the client's own delay
#
# Every nginx is stopped by its pid and must exit cleanly with nothing at
# [error] or worse, nor a sanitizer report, in its logs.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir fixture nginx_prefix nginx_start nginx_stop
                 bad_log_lines free_port time_limit);

my $data = data_dir();
my $dutch = "$data/2025-dutch-grand-prix-race";
my $python = '/usr/bin/python3';
my $factor = $ENV{F1_REPLAY_TIME_FACTOR} || 1;

plan(skip_all => "recorded sessions not found in $data")
    unless -d $dutch;
plan(skip_all => 'python3 not installed') unless -x $python;

time_limit(90);

# an nginx with the session, /ws with $ws, control and status; the
# results of hostile_check.py MODE on it, nginx's exit and logs checked
sub run {
    my (%o) = @_;

    my $port = free_port();
    my $prefix = nginx_prefix(<<"END", master => 1);
    f1_replay_session s path=$o{archive} zone=s:$o{zone};
    server {
        listen 127.0.0.1:$port$o{listen};
        location = /ws {
            f1_replay s;
$o{ws}
        }
        location /control/ {
            f1_replay_control s;
        }
        location = /status {
            f1_replay_status;
        }
    }
END

    system('sed', '-i', 's/^    worker_connections 64;/    '
           . 'worker_connections 1024;/', "$prefix/conf/nginx.conf") == 0
        or die;

    my $pid = nginx_start($prefix);
    my $out = `$python $FindBin::Bin/hostile_check.py $o{mode} 127.0.0.1 $port @{$o{args}} 2>&1`;
    my $rc = $? >> 8;
    my ($json) = $out =~ /^(\{.*\})$/m;

    ok($rc == 0 && $json, $o{name}) or diag($out);

    is(nginx_stop($pid) >> 8, 0, '... nginx exits cleanly');
    my @bad = bad_log_lines($prefix);
    is(scalar @bad, 0, '... no [error] or worse, no sanitizer report')
        or diag(@bad);

    return $json ? decode_json($json) : {};
}

my $slack = 2 * $factor;
my $r;

$r = run(name => '50 never-reading clients, pings on: closed within ping + '
                 . "pong timeout + the close's deadline + $slack s; the "
                 . 'reading client sees every tick',
         mode => 'slow', args => [50, 3 + $slack],
         archive => $dutch, zone => '64m', listen => ' sndbuf=16k',
         ws => "            f1_replay_ping_interval 1s;\n"
               . "            f1_replay_pong_timeout 1s;");
note("closed within $r->{closed_within_s} s, the reading client "
     . "$r->{frames} frames") if $r->{frames} && !$r->{left};

$r = run(name => '50 never-reading clients, pings off: closed within '
                 . "max_skipped / rate + the close's deadline + $slack s",
         mode => 'slow', args => [50, 2 + $slack],
         archive => $dutch, zone => '64m', listen => ' sndbuf=16k',
         ws => "            f1_replay_ping_interval 0;\n"
               . "            f1_replay_max_skipped 50;");
note("closed within $r->{closed_within_s} s, the reading client "
     . "$r->{frames} frames") if $r->{frames} && !$r->{left};

$r = run(name => '256 distinct subscriptions served, the 257th refused '
                 . 'with 503 and counted; delays in whole seconds',
         mode => 'subs', args => [256],
         archive => fixture(), zone => '1m', listen => '',
         ws => '            f1_replay_max_delay 300s;');
is($r->{distinct_over}, 503, '... the 257th: 503');

$r = run(name => '20 rounds of 40 clients reset as a change lands at speed '
                 . '50: the server counts no client',
         mode => 'resets', args => [40, 20],
         archive => $dutch, zone => '64m', listen => '', ws => '');

$r = run(name => 'clients 20 s and 40 s behind through 70 changes: each '
                 . 'clock message with its own delay',
         mode => 'delays', args => [70],
         archive => fixture(), zone => '1m', listen => '',
         ws => '            f1_replay_max_delay 60s;');

done_testing();
