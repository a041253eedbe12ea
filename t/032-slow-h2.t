# A client that stops reading gets only the newest frame, never a queue:
# past f1_replay_max_skipped frames dropped in a row it is closed with 1008
# (the connection ends at the close's deadline, 1 s, if the close frame
# cannot be written) while the other clients go on.  And an HTTP/2 request for the WebSocket
# endpoint is refused with 400, never a broken 101.  Plain Test::More.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use IO::Select;
use Socket qw(SOL_SOCKET SO_RCVBUF pack_sockaddr_in inet_aton);
use Time::HiRes qw(sleep time);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_prefix nginx_start nginx_stop bad_log_lines
                 free_port
                 ws_handshake ws_close);

my $data = data_dir();

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";

# HTTP/1.1 on $port, HTTP/2 on $h2
my ($port, $h2) = $ENV{TEST_NGINX_SLOW_PORT}
                  ? ($ENV{TEST_NGINX_SLOW_PORT}, $ENV{TEST_NGINX_SLOW_PORT} + 1)
                  : free_port(2);

my $prefix = nginx_prefix(<<"END");
    f1_replay_session dutch
        path=$data/2025-dutch-grand-prix-race zone=dutch:64m;
    server {
        listen 127.0.0.1:$port sndbuf=8k;
        listen 127.0.0.1:$h2 http2;
        location = /ws {
            f1_replay dutch;
            f1_replay_max_skipped 25;
        }
    }
END

# the closes of this test are logged at info
system('sed', '-i', 's|^error_log logs/error.log notice;|error_log logs/error.log info;|',
       "$prefix/conf/nginx.conf") == 0 or die;

my $pid = nginx_start($prefix);
sleep 0.5;

sub connect_ws {
    my ($rcvbuf) = @_;

    # the receive buffer is set before connecting, so that the window
    # the client offers stays small
    my $s = IO::Socket::INET->new(Proto => 'tcp') or die "socket: $!";

    setsockopt($s, SOL_SOCKET, SO_RCVBUF, $rcvbuf) if $rcvbuf;
    $s->connect(pack_sockaddr_in($port, inet_aton('127.0.0.1')))
        or die "connect: $!";
    $s->autoflush(1);
    print $s ws_handshake('/ws');

    return $s;
}


# read what is there for a while; returns the bytes
sub drain {
    my ($s, $seconds) = @_;

    my $buf = '';
    my $sel = IO::Select->new($s);
    my $end = time + $seconds;

    while (time < $end) {
        last unless $sel->can_read(0.2);
        my $n = sysread($s, my $chunk, 65536);
        last unless $n;
        $buf .= $chunk;
    }

    return $buf;
}

my $slow = connect_ws(4096);
my $good = connect_ws();

# the slow one never reads for 3 s (25 skips = 0.5 s once its buffers
# are full, then the close's deadline of 1 s: the server gives up on the
# close frame it cannot write); the good one reads all the time
my $good_bytes = length drain($good, 3);

my $rest = drain($slow, 3);
my $eof = !IO::Select->new($slow)->can_read(0.5) ? 0
          : sysread($slow, my $more, 65536) == 0;

ok($eof, 'the client that stopped reading was closed')
    or diag('last bytes: ' . unpack('H*', substr($rest, -16)) . ', '
            . length($rest) . ' bytes');
cmp_ok($good_bytes, '>', 100_000,
       "... while the other one went on ($good_bytes bytes in 3 s)");

print $good ws_close(1000);
like(drain($good, 2), qr/\x88\x02\x03\xe8\z/, '... and closes normally');

open my $log, '<', "$prefix/logs/error.log" or die;
my @slow = grep { /client too slow, \d+ frames skipped/ } <$log>;
close $log;
is(scalar @slow, 1, 'the slow client is logged with its skipped frames')
    or diag(@slow);

SKIP: {
    skip 'curl without HTTP/2', 2
        unless `curl -V 2>/dev/null` =~ /HTTP2/;

    my $out = `curl -s -o /dev/null -w '%{http_version} %{http_code}' \\
               --http2-prior-knowledge http://127.0.0.1:$h2/ws`;
    is($out, '2 400', 'HTTP/2: 400, never a 101');

    open $log, '<', "$prefix/logs/error.log" or die;
    ok(scalar(grep { /WebSocket over HTTP\/2 is not supported/ } <$log>),
       '... with the reason in the log');
    close $log;
}

nginx_stop($pid);

my @bad = bad_log_lines($prefix);
is(scalar @bad, 0, 'no [alert], [crit], [error] or sanitizer report')
    or diag(@bad);

done_testing();
