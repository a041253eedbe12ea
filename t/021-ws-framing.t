# WebSocket framing after the 101: protocol errors closed with the right
# code (1002 unmasked, reserved bits, a close code that may not be sent;
# 1009 over f1_replay_max_message; 1007 invalid UTF-8), fragmentation
# with a ping between fragments, the close handshake, server pings and
# the pong timeout.  Client frames are built by F1Fixture::ws_frame.

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
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: unmasked client frame: close 1002
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
[error]
[alert]
[crit]
[emerg]



=== TEST 2: message over f1_replay_max_message: close 1009
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
[error]
[alert]
[crit]
[emerg]



=== TEST 3: invalid UTF-8 in a text message: close 1007
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
[error]
[alert]
[crit]
[emerg]



=== TEST 4: fragmented message with a ping between fragments
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
[error]
[alert]
[crit]
[emerg]



=== TEST 5: a close code that may not be sent (1005): close 1002
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
[error]
[alert]
[crit]
[emerg]



=== TEST 6: reserved bits without an extension: close 1002
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
[error]
[alert]
[crit]
[emerg]



=== TEST 7: an empty close is answered with 1000
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
[error]
[alert]
[crit]
[emerg]



=== TEST 8: server pings; no pong within f1_replay_pong_timeout: close 1001
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
[error]
[alert]
[crit]
[emerg]



=== TEST 9: pongs keep the connection
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
[error]
[alert]
[crit]
[emerg]
