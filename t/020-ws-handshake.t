# The WebSocket opening handshake at the byte level: 101 with the accept
# key and one Connection header, hello, state and frames in order; a
# subprotocol chosen from the offer; handshake and frames in one packet;
# each refusal (405, 426, 400, 403) answered and the connection closed;
# the origin allow-list (a handshake without Origin passes it: only
# browsers send one).  Client frames are built by F1Fixture::ws_frame.

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
        f1_replay_max_message 64;
    }

    location = /strict {
        f1_replay fx;
        f1_replay_allow_origin https://app.example;
    }
_EOC_

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
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



=== TEST 4: not GET: 405
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', METHOD => 'POST', 'Content-Length' => 0)
--- error_code: 405
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



=== TEST 8: a key that is not base64 of 16 bytes: 400
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', 'Sec-WebSocket-Key' => 'c2hvcnQ=')
--- error_code: 400
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 9: no "Connection: upgrade": 400
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', 'Connection' => 'keep-alive')
--- error_code: 400
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 10: HTTP/1.0: refused cleanly, never a 101
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
F1Fixture::ws_handshake('/ws', VERSION => 'HTTP/1.0')
--- error_code: 400
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



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
[error]
[alert]
[crit]
[emerg]



=== TEST 13: no Origin at all where an allow-list is set: 101 (only browsers send one)
--- http_config eval: $::http_config
--- config eval: $::config
--- raw_request eval
[F1Fixture::ws_handshake('/strict'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/^\x81\x7e..\{"type":"hello",.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]
