# Client messages: a subscription is answered with what will be sent
# (drivers, channels, rate, format, delay); an invalid one gets an error
# message, repeated invalid messages close with 1008; the compact frame
# format; a type is compared whole ("subscribe\u0000x" is no subscribe);
# two delays in one packet, each clock message with its own delay; more
# than f1_replay_max_messages (10) a second: an error, then 1008.

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



=== TEST 5: a type is compared whole: "subscribe\u0000x" is no subscribe
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe\u0000x"}'),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\A(?!.*"type":"subscribed").*\{"type":"error","code":"bad_request","message":"expected \{\\"type\\":\\"subscribe\\", \.\.\.\}"\}.*\x88\x02\x03\xe8\z/s
--- error_log
invalid client message
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 6: two delays in one packet: each clock message carries its own
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe","delay":3}')
 . F1Fixture::ws_frame(0x1, '{"type":"subscribe","delay":5}'),
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/"delay_ms":3000\}.*\{"type":"clock",[^}]*"delay_ms":3000[,}].*"delay_ms":5000\}.*\{"type":"clock",[^}]*"delay_ms":5000[,}].*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 7: ten messages in a second: all answered
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe","rate":10}') x 10,
 F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\A(?!.*"type":"error")(?:(?!"type":"subscribed").)*(?:"type":"subscribed"(?:(?!"type":"subscribed").)*){10}\z(?<=\x88\x02\x03\xe8)/s
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 8: twelve in a second: ten answered, the eleventh an error, the twelfth closes with 1008
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'),
 F1Fixture::ws_frame(0x1, '{"type":"subscribe","rate":10}') x 12]
--- raw_request_middle_delay: 0.3
--- error_code: 101
--- response_body_like eval
qr/\A(?=.*\{"type":"error","code":"rate_limited","message":"too many messages a second \(see f1_replay_max_messages\)"\}\x88\x02\x03\xf0\z)(?:(?!"type":"subscribed").)*(?:"type":"subscribed"(?:(?!"type":"subscribed").)*){10}\z/s
--- error_log
more than 10 client messages a second
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]
