# wss:// through nginx's own TLS, with a strict python3-websockets client,
# and a node "ws" client (Debian's node-ws) on ws://: each reads a clean
# 5 s stream that matches the protocol and closes with 1000.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(nginx_prefix nginx_start nginx_stop bad_log_lines free_port
                 run_check);

my $python = '/usr/bin/python3';
my $node_path = '/usr/share/nodejs';

plan(skip_all => 'python3-websockets not installed')
    unless system("$python -c 'import websockets' 2>/dev/null") == 0;
plan(skip_all => 'openssl not installed')
    unless system('openssl version >/dev/null 2>&1') == 0;

# wss:// on $port, ws:// on $plain
my ($port, $plain) = $ENV{TEST_NGINX_TLS_PORT}
                     ? ($ENV{TEST_NGINX_TLS_PORT}, $ENV{TEST_NGINX_TLS_PORT} + 1)
                     : free_port(2);
my $fixture = F1Fixture::fixture();
my $certs = tempdir('f1-tls-XXXXXX', TMPDIR => 1, CLEANUP => 1);

system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
       . " -keyout $certs/key.pem -out $certs/cert.pem >/dev/null 2>&1") == 0
    or die 'openssl req failed';

my $prefix = nginx_prefix(<<"END");
    f1_replay_session fx path=$fixture zone=fx:1m;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $certs/cert.pem;
        ssl_certificate_key $certs/key.pem;
        location = /ws {
            f1_replay fx;
        }
    }
    server {
        listen 127.0.0.1:$plain;
        location = /ws {
            f1_replay fx;
        }
    }
END

my $pid = nginx_start($prefix);

my $r = run_check('wss:// (nginx TLS): a strict client reads a clean stream',
    "$python $FindBin::Bin/ws_check.py stream wss://127.0.0.1:$port/ws 5");
cmp_ok($r->{frames} // 0, '>=', 240, "... $r->{frames} frames in 5 s");
is($r->{close}, 1000, '... closed with 1000');

SKIP: {
    skip 'node "ws" not installed (Debian node-ws)', 2
        unless system("NODE_PATH=$node_path node -e \"require('ws')\""
                      . ' 2>/dev/null') == 0;

    $r = run_check('node ws: a clean stream, subprotocol chosen, close 1000',
        "NODE_PATH=$node_path node $FindBin::Bin/ws_check.js"
        . " ws://127.0.0.1:$plain/ws 5");
    cmp_ok($r->{frames} // 0, '>=', 240, "... $r->{frames} frames in 5 s");
}

nginx_stop($pid);

my @bad = bad_log_lines($prefix);
is(scalar @bad, 0, 'no [alert], [crit], [error] or sanitizer report')
    or diag(@bad);

done_testing();
