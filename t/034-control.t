# Replay control (f1_replay_control) with 2 workers and raw WebSocket
# clients (t/control_check.py): pause, resume, speed, seek to a time and
# to a lap, restart, loop off to the end and on again, each seen by every
# client at the tick the control answer names; the state after a seek
# equals f1-replay-inspect's dump field by field; a client 2 s behind
# sees the same moments 2 s later; predictions on connect mid-race, after
# each lap of the leader and after a seek, from nothing later than the
# clock; unauthorised requests (deny, basic
# auth) are refused and change nothing; the status shows the clock.
# Plain Test::More driving one nginx master (started and stopped by pid).

use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_prefix nginx_start nginx_stop log_lines
                 bad_log_lines tools free_port run_check);

my $data = data_dir();
my $python = '/usr/bin/python3';
my $inspect = tools() . '/f1-replay-inspect';

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";
plan(skip_all => "$inspect not built (make -C scripts/tools)") unless -x $inspect;

my $port = $ENV{TEST_NGINX_CONTROL_PORT} || free_port();
my $base = "http://127.0.0.1:$port";

# reuseport: a listening socket per worker, so that connections reach
# both (without it an idle worker can take them all); nginx_start fails
# at once should another server share the port this way
my $prefix = nginx_prefix(<<"END", master => 1);
    f1_replay_session dutch
        path=$data/2025-dutch-grand-prix-race zone=dutch:64m;
    server {
        listen 127.0.0.1:$port reuseport;
        f1_replay_ping_interval 1s;
        location = /ws {
            f1_replay dutch;
            f1_replay_max_delay 10s;
        }
        location /control/ {
            allow 127.0.0.1;
            deny all;
            f1_replay_control dutch;
        }
        location /locked/ {
            deny all;
            f1_replay_control dutch;
        }
        location /auth/ {
            auth_basic "replay control";
            auth_basic_user_file htpasswd;
            f1_replay_control dutch;
        }
        location = /status {
            f1_replay_status;
        }
    }
END

system('sed', '-i', '-e', 's/^worker_processes 1;/worker_processes 2;/',
       "$prefix/conf/nginx.conf") == 0 or die;

# user "race", password "control"; readable by the workers' user
my $hash = `openssl passwd -apr1 control`;
chomp $hash;
open my $pw, '>', "$prefix/conf/htpasswd" or die;
print $pw "race:$hash\n";
close $pw;
chmod 0755, $prefix, "$prefix/conf";
chmod 0644, "$prefix/conf/htpasswd";

my $pid = nginx_start($prefix);

for (1 .. 100) {
    last if log_lines($prefix, qr/start worker process/) >= 2;
    sleep 0.1;
}
sleep 0.5;

sub http {
    my ($method, $path, $body, @headers) = @_;

    my @cmd = ('curl', '-s', '-o', '-', '-w', '\n%{http_code}', '-X', $method,
               map({ ('-H', $_) } @headers),
               defined $body ? ('--data-binary', $body) : (),
               "$base$path");
    open my $fh, '-|', @cmd or die "curl: $!";
    local $/;
    my $out = <$fh>;
    close $fh;

    my ($text, $code) = $out =~ /\A(.*)\n(\d+)\z/s or return (0, '');
    return ($code, $text);
}

sub clock {
    my ($code, $text) = http('GET', '/control/');
    return $code == 200 ? decode_json($text) : {};
}

sub check {
    my ($name, @args) = @_;

    return run_check($name, "$python $FindBin::Bin/control_check.py @args");
}

# a seek as the first request a worker sees (its copy of the clock not
# read yet), then back to the start

my ($code, $text) = http('POST', '/control/', '{"action":"seek","lap":2}');
is($code, 200, 'a seek as the first request: 200') or diag($text);
($code, $text) = http('POST', '/control/', '{"action":"restart"}');
is($code, 200, '... and a restart');
sleep 0.1;

# the clock

my $c = clock();
is($c->{type}, 'clock', 'GET: the clock');
is($c->{state}, 'playing', '... playing');
is($c->{start}, '00:10:00.000', '... from lights-out');
is($c->{speed}, 1, '... at 1x');

# every operation, 6 clients over 2 workers

my $state = "$prefix/logs/seek-state.json";
my $r = check('pause, resume, speed, seek, lap, restart, end, loop: every '
              . 'client at the announced tick',
              'ops', '127.0.0.1', $port, 6, $state);
cmp_ok($r->{paused_pings} // 0, '>=', 2, '... pings went on while paused');
is($r->{speed}, 4, '... speed 4x');
is($r->{restart}, '00:10:00.000', '... restart at lights-out');
is($r->{loop_on}, '00:10:00.000', '... loop on after the end starts over');
is($r->{lap30_lap}, 30, '... seek to lap 30 lands on lap 30');
is_deeply($r->{bad}, [(400) x 10], '... invalid requests: 400');

# the state after the seek, field by field against the inspect tool

{
    open my $fh, '<', $state or die "$state: $!";
    local $/;
    my $got = decode_json(<$fh>);
    close $fh;

    # 00:45:00.000, or 20 ms later when the worker's timer was late
    my $want = decode_json(scalar `$inspect $data/2025-dutch-grand-prix-race --at $got->{t}`);
    is(delete $got->{type}, 'state', 'the state message after the seek');

    my $fields = 0;
    for my $k (sort keys %$want) {
        is_deeply($got->{$k}, $want->{$k}, "... $k as f1-replay-inspect --at");
        $fields++;
    }
    is_deeply([sort keys %$got], [sort keys %$want], "... the same $fields "
              . 'fields, no more');
    is(scalar @{$got->{cars}}, 20, '... 20 cars compared');
}

# a client 2 s behind

$r = check('a client with ?delay=2 sees every moment 2 s later',
           'delay', '127.0.0.1', $port);
cmp_ok($r->{common_ticks} // 0, '>=', 100,
       "... $r->{common_ticks} ticks compared");

($code, $text) = http('GET', '/ws?delay=11', undef, 'Upgrade: websocket',
                         'Connection: Upgrade', 'Sec-WebSocket-Version: 13',
                         'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
is($code, 400, 'a delay above f1_replay_max_delay: 400');

# the timeline: filtered, and its ids are seek targets

($code, $text) = http('GET', '/control/timeline?type=pit_stop');
my $tl = decode_json($text);
is($code, 200, 'timeline of pit stops');
is($tl->{count}, 39, '... 39 pit stops');
is(scalar(grep { $_->{event} ne 'pit_stop' } @{$tl->{events}}), 0,
   '... and nothing else');

($code, $text) = http('GET', '/control/timeline?type=safety_car,vsc'
                             . '&from=00:45:00&to=01:30:00');
$tl = decode_json($text);
is(join(' ', map { "$_->{event}\@$_->{time}" } @{$tl->{events}}),
   'vsc@00:51:05.449 safety_car@01:19:07.050',
   'timeline of SC and VSC from 00:45 to 01:30');

my $sc = $tl->{events}[1];
($code, $text) = http('POST', '/control/',
                      qq({"action":"seek","event":$sc->{id},"offset":-5}));
is($code, 200, 'seek to a timeline event, 5 s before');
is(decode_json($text)->{time}, '01:19:02.050', '... at the event - 5 s');

($code, $text) = http('POST', '/control/', '{"action":"seek","event":99999}');
is($code, 400, 'seek to an unknown event: 400');

($code, $text) = http('GET', '/control/timeline?type=pits');
is($code, 400, 'an unknown event type: 400');

# predictions: on connect mid-race, after each lap, after a seek

$r = check('predictions follow the clock: on connect, each lap, a seek',
           'predict', '127.0.0.1', $port);
is($r->{connect_lap}, 25, '... connecting at 00:45:00: after lap 25');
cmp_ok(scalar @{$r->{laps} // []}, '>=', 3,
       '... one message per lap at 20x (' . join(' ', @{$r->{laps} // []})
       . ')');
is($r->{seek_lap}, 9, '... a seek to lap 10: after lap 9');

# unauthorised requests change nothing

$c = clock();

($code, $text) = http('POST', '/locked/', '{"action":"pause"}');
is($code, 403, 'denied by allow/deny: 403');

($code, $text) = http('POST', '/auth/', '{"action":"pause"}');
is($code, 401, 'no credentials: 401');

($code, $text) = http('POST', '/auth/', '{"action":"pause"}',
                      'Authorization: Basic ' . 'cmFjZTp3cm9uZw==');
is($code, 401, 'wrong password: 401');

my $after = clock();
is($after->{change}, $c->{change}, '... the clock did not change');
is($after->{state}, 'playing', '... it still plays');

($code, $text) = http('POST', '/auth/', '{"action":"pause"}',
                      'Authorization: Basic ' . 'cmFjZTpjb250cm9s');
is($code, 200, 'with the password: 200');
is(decode_json($text)->{state}, 'paused', '... paused');

($code, $text) = http('POST', '/control/', '{"action":"resume"}');
is(decode_json($text)->{state}, 'playing', 'resumed');

($code, $text) = http('PUT', '/control/', '{"action":"pause"}');
is($code, 405, 'PUT: 405');

($code, $text) = http('POST', '/control/', 'x' x 5000);
is($code, 413, 'a body over 4 KB: 413');
like($text, qr/^\{"error":"[^"]+"\}$/, '... with a JSON reason');

# the status shows the clock

($code, $text) = http('GET', '/status');
my $s = decode_json($text)->{sessions}[0];
is($s->{clock}{state}, 'playing', 'status: clock state');
is($s->{clock}{change}, 22, 'status: the 22 changes made');

($code, $text) = http('GET', '/status?format=prometheus');
like($text, qr/^f1_replay_clock_state\{session="dutch",state="playing"\} 1$/m,
     'status, Prometheus: clock state');
like($text, qr/^f1_replay_clock_speed\{session="dutch"\} 1\.000$/m,
     'status, Prometheus: clock speed');

# the operator sees who changed the clock

cmp_ok(scalar log_lines($prefix,
                        qr/f1_replay_control "dutch": seek 00:45:00\.000/),
       '==', 2, 'the error log names each change (two seeks to 00:45)');

is(nginx_stop($pid) >> 8, 0, 'nginx exited cleanly');

my @bad = bad_log_lines($prefix);
my @auth = grep { !/user "race": password mismatch|access forbidden by rule/ }
           @bad;
is(scalar @auth, 0, 'no [alert], [crit], [error] or sanitizer report '
   . '(besides the refused requests)') or diag(@auth);

done_testing();
