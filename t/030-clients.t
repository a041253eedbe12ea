# Real, strict WebSocket clients (python3-websockets) against nginx with
# the module: a clean 5 s stream matching the protocol and closed with
# 1000; 20 clients over 2 workers agreeing on the tick for 10 s, ticks
# in order, at most 1 % missed by any client (a late timer skips, by
# design); a reload sending 1001 to old clients while the clock goes on.
# Plain Test::More driving one nginx master (started and stopped by pid).

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_prefix nginx_start nginx_stop log_lines
                 bad_log_lines free_port run_check);

my $data = data_dir();
my $python = '/usr/bin/python3';

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";
plan(skip_all => 'python3-websockets not installed')
    unless system("$python -c 'import websockets' 2>/dev/null") == 0;

my $port = $ENV{TEST_NGINX_CLIENTS_PORT} || free_port();
my $url = "ws://127.0.0.1:$port/ws";

# reuseport: a listening socket per worker, so that connections reach
# both (without it an idle worker can take them all); nginx_start fails
# at once should another server share the port this way
my $prefix = nginx_prefix(<<"END", master => 1);
    f1_replay_session dutch
        path=$data/2025-dutch-grand-prix-race zone=dutch:64m;
    server {
        listen 127.0.0.1:$port reuseport;
        location = /ws {
            f1_replay dutch;
        }
    }
END

# two workers; the access log names the worker of each connection
system('sed', '-i', '-e', 's/^worker_processes 1;/worker_processes 2;/',
       '-e', 's|^    access_log off;|    log_format w "$pid $status";\n'
             . '    access_log logs/access.log w;|',
       "$prefix/conf/nginx.conf") == 0 or die;

my $pid = nginx_start($prefix);

for (1 .. 100) {
    last if log_lines($prefix, qr/start worker process/) >= 2;
    sleep 0.1;
}
sleep 0.5;

sub check {
    my ($name, @args) = @_;

    return run_check($name, "$python $FindBin::Bin/ws_check.py @args");
}

my $r = check('one strict client, 5 s: every message matches the protocol',
              'stream', $url, 5);
cmp_ok($r->{frames} // 0, '>=', 240, "... $r->{frames} frames in 5 s");
is($r->{close}, 1000, '... closed with 1000');

$r = check('20 clients, 2 workers, 10 s: same ticks, in order, at most 1 % '
           . 'missed', 'agree', $url, 20, 10);
note("gaps: " . ($r->{gaps} // '?') . ', at most '
     . ($r->{max_missed_pct} // '?') . ' % of ticks missed by a client '
     . '(a host hiccup makes every worker late at once)');
ok(defined $r->{max_spread} && $r->{max_spread} <= 1,
   "... tick spread across clients at most 1 (was "
   . ($r->{max_spread} // '?') . ")");

open my $al, '<', "$prefix/logs/access.log" or die "access.log: $!";
my %by_worker;
while (my $line = <$al>) {
    $by_worker{$1}++ if $line =~ /^(\d+) 101$/;
}
close $al;
is(scalar keys %by_worker, 2, 'clients were served by both workers ('
   . join(', ', map { "$_: $by_worker{$_}" } sort keys %by_worker) . ')');

$r = check('reload with clients connected: 1001, the clock goes on',
           'reload', $url, 6, "$prefix/logs/nginx.pid");

is(nginx_stop($pid) >> 8, 0, 'nginx exited cleanly');

my @bad = bad_log_lines($prefix);
is(scalar @bad, 0, 'no [alert], [crit], [error] or sanitizer report')
    or diag(@bad);

done_testing();
