# The WebSocket endpoint at the byte level: handshake, refusals, frames
# after 101, the close handshake, ping/pong and protocol errors closed
# with the right codes.  Client frames are built by F1Fixture::ws_frame.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(ws_handshake ws_frame ws_close);
use File::Temp ();

$ENV{TEST_NGINX_FIXTURE} = F1Fixture::fixture();

# the clock starts at lights-out (00:00:30): events 1 s and 1.5 s later
$ENV{TEST_NGINX_FX_EVENTS} = F1Fixture::fixture(
    WeatherData => '00:00:31.000{"AirTemp":"22.0","Humidity":"41.0",'
                   . '"Pressure":"1012.0","Rainfall":"1","TrackTemp":"30.0",'
                   . '"WindDirection":"90","WindSpeed":"3.5"}' . "\n",
    TrackStatus => "00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\n"
                   . "00:00:31.500{\"Status\":\"2\",\"Message\":\"Yellow\"}\n");

our $http_config = <<'_EOC_';
    f1_replay_session fx path=$TEST_NGINX_FIXTURE zone=fx:1m;
_EOC_

our $config = <<'_EOC_';
    location = /ws {
        f1_replay fx;
        f1_replay_max_message 64;
    }

    location = /strict {
        f1_replay fx;
        f1_replay_allow_origin https://app.example;
    }
_EOC_

# a predictions document, and a broken one
my $pdir = File::Temp::tempdir('f1-pred-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $pdir;
open my $pf, '>', "$pdir/good.json" or die;
print $pf '{"model":"hand","pit_window":{"81":[20,28]},"p":0.25}';
close $pf;
open $pf, '>', "$pdir/bad.json" or die;
print $pf '{"model":';
close $pf;
$ENV{TEST_NGINX_PREDICTIONS} = $pdir;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: handshake: 101, accept key, one Connection header, messages in order
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_headers
Upgrade: websocket
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
!Sec-WebSocket-Protocol
--- raw_response_headers_like: ^HTTP/1.1 101 Switching Protocols\r\n(?!(?:[^\r]*\r\n)*Connection:(?:[^\r]*\r\n)*Connection:)(?:[^\r]*\r\n)*Connection: upgrade\r\n
--- response_body_like eval
qr/^\x81\x7e..\{"type":"hello","protocol":2,"session":\{"meeting":"Fixture Grand Prix",.*"tick_rate":50,"clock":\{"tick":\d+,.*\x81\x7e..\{"type":"state","t":\d+,.*\x81.{1,3}\{"type":"frame","tick":\d+,"t":\d+,.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 2: one subprotocol chosen from the offer
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Protocol' => 'chat, f1-replay.v1'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_headers
Sec-WebSocket-Protocol: f1-replay.v1
--- response_body_like eval
qr/\x88\x02\x03\xe8\z/
--- no_error_log
[warn]



=== TEST 3: handshake, ping and close in one packet: the bytes are not lost
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws') . F1Fixture::ws_frame(0x9, 'tick?')
. F1Fixture::ws_close(1000)
--- error_code: 101
--- response_body_like eval
qr/\x8a\x05tick\?.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 4: not GET: 405
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', METHOD => 'POST', 'Content-Length' => 0)
--- error_code: 405
--- no_error_log
[warn]



=== TEST 5: wrong version: 426 with Sec-WebSocket-Version: 13
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Version' => '8')
--- error_code: 426
--- response_headers
Sec-WebSocket-Version: 13
--- raw_response_headers_like: ^HTTP/1.1 426 Upgrade Required\r\n
--- no_error_log
[warn]



=== TEST 6: a plain GET: 426 with Upgrade: websocket
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /ws
--- error_code: 426
--- response_headers
Upgrade: websocket
--- response_body_like: WebSocket endpoint
--- no_error_log
[warn]



=== TEST 7: missing key: 400
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Key' => undef)
--- error_code: 400
--- error_log
missing or invalid Sec-WebSocket-Key
--- no_error_log
[warn]



=== TEST 8: a key that is not base64 of 16 bytes: 400
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Key' => 'c2hvcnQ=')
--- error_code: 400
--- no_error_log
[warn]



=== TEST 9: no "Connection: upgrade": 400
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', 'Connection' => 'keep-alive')
--- error_code: 400
--- no_error_log
[warn]



=== TEST 10: HTTP/1.0: refused cleanly, never a 101
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', VERSION => 'HTTP/1.0')
--- error_code: 400
--- no_error_log
[warn]



=== TEST 11: origin not in the allow-list: 403; listed origin: 101
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/strict', 'Origin' => 'https://evil.example')
--- error_code: 403
--- error_log
origin "https://evil.example" not allowed
--- no_error_log
[warn]



=== TEST 12: listed origin: 101
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/strict', 'Origin' => 'https://app.example'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xe8\z/
--- no_error_log
[warn]



=== TEST 13: unmasked client frame: close 1002
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_frame(0x1, 'hi', unmasked => 1)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xea\z/
--- error_log
unmasked frame, closing with 1002
--- no_error_log
[warn]



=== TEST 14: message over f1_replay_max_message: close 1009
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_frame(0x1, 'x' x 65)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xf1\z/
--- error_log
closing with 1009
--- no_error_log
[warn]



=== TEST 15: invalid UTF-8 in a text message: close 1007
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_frame(0x1, "ok \xc0\xaf")]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xef\z/
--- error_log
closing with 1007
--- no_error_log
[warn]



=== TEST 16: fragmented message with a ping between fragments
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"chan', fin => 0)
 . F1Fixture::ws_frame(0x9, 'mid')
 . F1Fixture::ws_frame(0x0, 'nels":[]}'),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\x8a\x03mid.*\{"type":"error",.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 17: a close code that may not be sent (1005): close 1002
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close(1005)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xea\z/
--- no_error_log
[warn]



=== TEST 18: reserved bits without an extension: close 1002
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_frame(0x1, 'x', rsv => 4)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xea\z/
--- no_error_log
[warn]



=== TEST 19: an empty close is answered with 1000
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close()]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/\x88\x02\x03\xe8\z/
--- no_error_log
[warn]



=== TEST 20: a subscription is answered with what will be sent
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe","drivers":[2],"channels":["speed","drs"],"rate":10}'),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\{"type":"subscribed","drivers":\[2\],"channels":\["speed","drs"\],"rate":10,"format":"json","delay_ms":0\}.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 21: an invalid subscription gets an error message
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe","drivers":[99]}'),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\{"type":"error","code":"bad_request","message":"\\"drivers\\" holds a number that is not a car of this session"\}.*\x88\x02\x03\xe8\z/s
--- error_log
invalid client message
--- no_error_log
[warn]



=== TEST 22: repeated invalid messages: close 1008
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 join('', map { F1Fixture::ws_frame(0x1, 'nope') } 1 .. 5)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/(?:\{"type":"error",[^}]*\}.*){4}\x88\x02\x03\xf0\z/s
--- no_error_log
[warn]



=== TEST 23: race events are sent when the clock passes them
--- http_config
    f1_replay_session ev path=$TEST_NGINX_FX_EVENTS zone=ev:1m;
--- config
    location = /ws {
        f1_replay ev;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 2.2
--- error_code: 101
--- response_body_like eval
qr/\{"type":"event","id":\d+,"event":"weather","t":31000,"time":"00:00:31.000","lap":\d+,"air_temp":22.0,"track_temp":30.0,"humidity":41.0,"pressure":[\d.]+,"wind_speed":3.5,"wind_direction":[\d.]+,"rainfall":true\}.*\{"type":"event","id":\d+,"event":"track_status","t":31500,"time":"00:00:31.500","lap":\d+,"status":2,"message":"Yellow"\}.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 24: permessage-deflate: frames compressed (RSV1), client messages inflated
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Extensions' => 'permessage-deflate; client_max_window_bits'),
 F1Fixture::ws_frame(0x1, F1Fixture::ws_deflate('{"type":"subscribe","rate":10}'), rsv => 4),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_headers
Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover
--- response_body_like eval
qr/^\x81\x7e..\{"type":"hello",.*\{"type":"subscribed","drivers":\[1,2\],.*"rate":10,"format":"json","delay_ms":0\}.*\xc1.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 25: permessage-deflate offer limiting the server window: declined
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Extensions' => 'permessage-deflate; server_max_window_bits=10'),
 F1Fixture::ws_frame(0x1, 'x', rsv => 4),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_headers
!Sec-WebSocket-Extensions
--- response_body_like eval
qr/\x88\x02\x03\xea\z/
--- no_error_log
[warn]



=== TEST 26: the compact format
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe","channels":["speed","gear"],"format":"compact"}'),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\{"type":"subscribed","drivers":\[1,2\],"channels":\["speed","gear"\],"rate":50,"format":"compact","delay_ms":0\}.*\{"type":"f","tick":\d+,"t":\d+,"sent":[\d.]+,"c":\[\[2,null,null,0\],\[1,null,null,0\]\]\}.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 27: server pings; no pong within f1_replay_pong_timeout: close 1001
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
        f1_replay_ping_interval 200ms;
        f1_replay_pong_timeout 300ms;
    }
--- raw_request eval
F1Fixture::ws_handshake('/ws')
--- timeout: 5
--- error_code: 101
--- response_body_like eval
qr/\x89[\x01-\x14]\d+.*\x88\x02\x03\xe9\z/s
--- error_log
no pong within 300 ms, closing
--- no_error_log
[warn]



=== TEST 28: pongs keep the connection
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
        f1_replay_ping_interval 200ms;
        f1_replay_pong_timeout 300ms;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0xa, ''), F1Fixture::ws_frame(0xa, ''),
 F1Fixture::ws_frame(0xa, ''), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.25
--- error_code: 101
--- response_body_like eval
qr/\x89.*\x88\x02\x03\xe8\z/s
--- no_error_log
no pong within
[warn]



=== TEST 29: predictions, built in and from a file: after hello and state, before frames
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
        f1_replay_predictions $TEST_NGINX_PREDICTIONS/good.json;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/^\x81\x7e..\{"type":"hello",.*\x81\x7e..\{"type":"state",.*\x81\x7e..\{"type":"predictions","lap":0,"builtin":\{"model":"ngx_f1_replay_strategy\/2",.*,"file":\{"model":"hand","pit_window":\{"81":\[20,28\]\},"p":0.25\}\}\x81.{1,3}\{"type":"frame",.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]



=== TEST 30: an invalid predictions file fails the configuration
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
        f1_replay_predictions $TEST_NGINX_PREDICTIONS/bad.json;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid JSON in predictions file ".*/bad\.json": }
