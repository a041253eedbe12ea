# f1_replay_status under load, 2 workers: the counters equal what the
# load client counted; each protocol error counted under its close code;
# after kill -9 of a worker the counters and the clock are intact and
# the respawned worker serves the same clock.  JSON and Prometheus.
# (A fresh server, refusals by reason: the blocks of t/025-status.t.)
# A Test::More script driving one nginx master (started and stopped by
# pid) and the load client.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir tools nginx_prefix nginx_start nginx_stop
                 bad_log_lines free_port);

my $data = data_dir();
my $load = tools() . '/f1-replay-load';

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";
plan(skip_all => "$load not built (make -C scripts/tools)") unless -x $load;

my $port = $ENV{TEST_NGINX_STATUS_PORT} || free_port();

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
        location = /status {
            f1_replay_status;
        }
    }
END

system('sed', '-i', 's/^worker_processes 1;/worker_processes 2;/',
       "$prefix/conf/nginx.conf") == 0 or die;

my $pid = nginx_start($prefix);
sleep 0.5;

sub status {
    my ($query) = @_;

    my $r = HTTP::Tiny->new(timeout => 5)
                ->get("http://127.0.0.1:$port/status" . ($query // ''));
    return $r->{content} if $query;
    return decode_json($r->{content})->{sessions}[0];
}

sub result {
    my ($out) = @_;

    my ($line) = $out =~ /^RESULT (.*)$/m;
    return { map { split /=/, $_, 2 } split ' ', $line // '' };
}

my $res = result(scalar `$load -q -n 20 -t 3 ws://127.0.0.1:$port/ws 2>&1`);
my $s = status();

is($res->{established}, 20, 'the load client had 20 connections');
is($s->{total}{connections}, $res->{established},
   'status: connections equal the load client\'s');
# a frame the server wrote while the client was sending its close
# reaches the client, its bytes counted, but not as a message
my $extra = $s->{total}{messages} - $s->{total}{closes}{1000}
            - $res->{messages};
ok($extra >= 0 && $extra <= 2 * 20,
   "status: messages are the client's plus the close replies (and $extra "
   . 'frames in flight at the clients\' closes)');
cmp_ok($res->{bytes} - $s->{total}{bytes}, '>=', 20 * 150,
       'status: bytes are the client\'s minus the 101 responses ...');
cmp_ok($res->{bytes} - $s->{total}{bytes}, '<=', 20 * 300,
       '... (150 to 300 bytes of 101 response each)');
is($s->{total}{clients}, 0, 'no client connected now');
is($s->{total}{subscriptions}, 0, '... and no subscription left');
# about one full frame a tick per worker for 3 s (50 Hz), each encoded
# once however many clients share it
cmp_ok($s->{total}{frames_encoded}, '>=', 2 * 50 * 2,
       "status: frames encoded ($s->{total}{frames_encoded}) ...");
cmp_ok($s->{total}{frames_encoded}, '<', $res->{frames} / 2,
       "... fewer than the frames delivered ($res->{frames})");
is(scalar(grep { $_->{connections} } @{$s->{workers}}), 2,
   'both workers served');

my $prom = status('?format=prometheus');
like($prom, qr/^f1_replay_connections_total\{session="dutch",pid="\d+"\} \d+$/m,
     'Prometheus format');
like($prom, qr/^f1_replay_closes_total\{session="dutch",code="1000"\} 20$/m,
     '... with close codes');
like($prom, qr/^f1_replay_frames_encoded_total\{session="dutch",pid="\d+"\} [1-9]\d*$/m,
     '... frames encoded');
like($prom, qr/^f1_replay_subscriptions\{session="dutch",pid="\d+"\} 0$/m,
     '... subscriptions');

# protocol errors, by close code

sub raw {
    my ($request, @frames) = @_;

    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                     Timeout => 5) or die "connect: $!";
    print $sock $request;

    if (@frames) {
        my $head = '';
        while ($head !~ /\r\n\r\n/) {
            sysread($sock, $head, 1, length $head) or last;
        }
        print $sock @frames;
    }

    # read until the server closes
    my $all = '';
    $sock->blocking(0);
    for (1 .. 50) {
        my $n = sysread($sock, my $buf, 65536);
        last if defined $n && $n == 0;
        $all .= $buf if $n;
        sleep 0.05;
    }
    close $sock;

    return $all;
}

my $ws = "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         . "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

sub masked {
    my ($opcode, $payload) = @_;
    my $mask = "\x01\x02\x03\x04";
    my $len = length $payload;
    my $hdr = chr(0x80 | $opcode)
              . ($len < 126 ? chr(0x80 | $len)
                            : chr(0x80 | 126) . pack('n', $len));
    my $body = $payload ^ ($mask x (int($len / 4) + 1));
    return $hdr . $mask . substr($body, 0, $len);
}

my $before = status();

my $wsok = "GET /ws HTTP/1.1\r\n$ws" . "Sec-WebSocket-Version: 13\r\n\r\n";
raw($wsok, "\x81\x02hi");                              # unmasked: 1002
raw($wsok, masked(1, "\xff\xfe"));                     # bad UTF-8: 1007
raw($wsok, masked(1, '{"type":"subscribe","pad":"' . ('x' x 5000) . '"}'));
                                                        # over 4k: 1009

$s = status();

for my $code (1002, 1007, 1009) {
    is(($s->{total}{closes}{$code} // 0)
       - ($before->{total}{closes}{$code} // 0), 1,
       "status: one close with $code");
}

$prom = status('?format=prometheus');
like($prom, qr/^f1_replay_closes_total\{session="dutch",code="1007"\} 1$/m,
     'Prometheus: closes by code');

# kill -9 one worker: counters and clock survive, the new worker joins

my $tick = $s->{clock}{tick};
my ($victim) = map { $_->{pid} } grep { $_->{connections} }
               @{$s->{workers}};
kill 'KILL', $victim;
sleep 1;

$s = status();
is($s->{total}{connections}, $res->{established} + 3,
   'after kill -9: the counters are intact');
cmp_ok($s->{clock}{tick}, '>', $tick, '... the clock goes on');
is($s->{clock}{change}, 0, '... it was not restarted');

my @alive = grep { $_->{alive} } @{$s->{workers}};
is(scalar @alive, 2, '... two live workers again');
ok(!grep({ $_->{pid} == $victim } @alive), '... the killed one is not');

$res = result(scalar `$load -q -n 20 -t 2 ws://127.0.0.1:$port/ws 2>&1`);
cmp_ok($res->{spread_max} // 99, '<=', 1,
       'clients of both workers, the respawned one too, share the clock');
is(status()->{total}{connections}, 43, 'status counts them too (and the 3 '
   . 'protocol-error clients)');

nginx_stop($pid);

my @bad = grep { !/\[alert\].*exited on signal 9/ }
           bad_log_lines($prefix);
is(scalar @bad, 0, 'no [alert] (but the killed worker), [crit], [error] '
                   . 'or sanitizer report')
    or diag(@bad);

done_testing();
