# f1_replay_status as a client sees it: a fresh server's counters, each
# refused handshake counted under its reason (one connection per request,
# the status read last), the Prometheus format, JSON for an Accept
# header that refuses text/plain (q=0).  The counters live in the
# shared zone, which a reload keeps (TEST_NGINX_USE_HUP): only the first
# two blocks count exactly.  The counters under load and across a worker's
# death: t/033-status.t.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;

$ENV{TEST_NGINX_FIXTURE} = F1Fixture::fixture();

our $http_config = <<'_EOC_';
    f1_replay_session fx path=$TEST_NGINX_FIXTURE zone=fx:1m;
_EOC_

our $config = <<'_EOC_';
    location = /ws {
        f1_replay fx;
    }

    location = /ws-origin {
        f1_replay fx;
        f1_replay_allow_origin https://ok.example;
    }

    location = /status {
        f1_replay_status;
    }
_EOC_

# a handshake's headers, less those named, plus those given
sub upgrade {
    my (%h) = @_;

    my %hdr = ('Upgrade' => 'websocket', 'Connection' => 'Upgrade',
               'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==',
               'Sec-WebSocket-Version' => '13', %h);

    return join '', map { "$_: $hdr{$_}\n" }
                    grep { defined $hdr{$_} } sort keys %hdr;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a fresh server: the session, its clock, every counter at zero
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /status
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"sessions":\[\{"name":"fx","tick_rate":50,"clock":\{.*"state":"playing",.*\},"zone":\{"size":1048576,.*\},"total":\{"clients":0,"connections":0,"messages":0,"bytes":0,"skipped_frames":0,"subscriptions":0,"frames_encoded":0,"refused":\{"method":0,"not_websocket":0,"version":0,"bad_request":0,"origin":0,"subscriptions":0,"shutting_down":0\},"closes":\{\}\},"workers":\[\{"slot":0,"pid":\d+,"alive":true,"clients":0,"connections":0,.*\}\]\}\]\}$
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 2: each refused handshake counted under its reason
--- http_config eval: $::http_config
--- config eval: $::config
--- request eval
["POST /ws", "GET /ws", "GET /ws", "GET /ws", "GET /ws-origin", "GET /status"]
--- more_headers eval
[main::upgrade(), "", main::upgrade('Sec-WebSocket-Version' => 8),
 main::upgrade('Sec-WebSocket-Key' => undef),
 main::upgrade(Origin => 'https://evil.example'), ""]
--- error_code eval
[405, 426, 426, 400, 403, 200]
--- response_body_like eval
["", "", "", "", "",
 '"total":\{"clients":0,"connections":0,.*"refused":\{"method":1,"not_websocket":1,"version":1,"bad_request":1,"origin":1,"subscriptions":0,"shutting_down":0\},"closes":\{\}\}']
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 3: Prometheus: types, the clock, refusals by reason
--- http_config eval: $::http_config
--- config eval: $::config
--- request eval
["GET /ws-origin", "GET /status?format=prometheus"]
--- more_headers eval
[main::upgrade(Origin => 'https://evil.example'), ""]
--- error_code eval
[403, 200]
--- response_headers eval
["", "Content-Type: text/plain; version=0.0.4"]
--- response_body_like eval
["", '(?m)^# TYPE f1_replay_clock_tick gauge\n.*^f1_replay_clock_state\{session="fx",state="playing"\} 1\n.*^f1_replay_handshakes_refused_total\{session="fx",reason="method"\} \d+\n.*^f1_replay_handshakes_refused_total\{session="fx",reason="origin"\} [1-9]\d*\n']
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 4: an Accept header refusing text/plain (q=0) gets JSON
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /status
--- more_headers
Accept: text/plain;q=0
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"sessions":\[\{"name":"fx",.*\}\]\}$
--- no_error_log
[error]
[alert]
[crit]
[emerg]
