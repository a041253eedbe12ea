# Client messages: a subscription is answered with what will be sent
# (drivers, channels, rate, format, delay); an invalid one gets an error
# message, repeated invalid messages close with 1008; the compact frame
# format.

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

=== TEST 1: a subscription is answered with what will be sent
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
[error]
[alert]
[crit]
[emerg]



=== TEST 2: an invalid subscription gets an error message
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
[error]
[alert]
[crit]
[emerg]



=== TEST 3: repeated invalid messages: close 1008
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
[error]
[alert]
[crit]
[emerg]



=== TEST 4: the compact format
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
[error]
[alert]
[crit]
[emerg]
