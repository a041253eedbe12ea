# permessage-deflate (RFC 7692): frames compressed (RSV1) and client
# messages inflated; an offer limiting the server's window is declined.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;

$ENV{TEST_NGINX_FIXTURE} = F1Fixture::fixture();

our $http_config = <<'_EOC_';
    f1_replay_session fx path=$TEST_NGINX_FIXTURE zone=fx:1m;
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: permessage-deflate: frames compressed (RSV1), client messages inflated
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
[error]
[alert]
[crit]
[emerg]



=== TEST 2: permessage-deflate offer limiting the server window: declined
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
[error]
[alert]
[crit]
[emerg]
