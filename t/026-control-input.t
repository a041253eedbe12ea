# The control API's input at the byte level: a seek to an event id that
# fits no integer (1e300) is refused with a reason, checked before any
# conversion (under the UBSan nginx, built with float-cast-overflow, no
# "runtime error:" in the error log); query arguments are
# percent-decoded, as a browser's URLSearchParams writes them
# (?type=pit_stop%2Csafety_car answers as ?type=pit_stop,safety_car,
# ?from=00%3A03%3A00 as ?from=00:03:00).  The control API under clients
# and changes: t/034-control.t.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;

# 27 events: pit stops (ids 6, 24) and a safety car (14) among them
$ENV{TEST_NGINX_FIXTURE} = F1Fixture::fixture_named('first_lap');

our $http_config = <<'_EOC_';
    f1_replay_session fx path=$TEST_NGINX_FIXTURE zone=fx:1m;
_EOC_

our $config = <<'_EOC_';
    location /control/ {
        f1_replay_control fx;
    }
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: seek to event 1e300: 400 with the reason
--- http_config eval: $::http_config
--- config eval: $::config
--- request
POST /control/
{"action":"seek","event":1e300}
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body
{"error":"\"event\" must be an event id of the timeline"}
--- no_error_log
runtime error:
[error]
[alert]
[crit]
[emerg]



=== TEST 2: event ids out of range (negative, past 2^64, one past the last): 400
--- http_config eval: $::http_config
--- config eval: $::config
--- request eval
["POST /control/\n{\"action\":\"seek\",\"event\":-1e300}",
 "POST /control/\n{\"action\":\"seek\",\"event\":18446744073709551616}",
 "POST /control/\n{\"action\":\"seek\",\"event\":27}"]
--- error_code eval
[400, 400, 400]
--- response_body_like eval
['^\{"error":"\\\\"event\\\\" must be an event id of the timeline"\}$',
 '^\{"error":"\\\\"event\\\\" must be an event id of the timeline"\}$',
 '^\{"error":"\\\\"event\\\\" must be an event id of the timeline"\}$']
--- no_error_log
runtime error:
[error]
[alert]
[crit]
[emerg]



=== TEST 3: ?type= percent-decoded: %2C is the comma
--- http_config eval: $::http_config
--- config eval: $::config
--- request eval
["GET /control/timeline?type=pit_stop,safety_car",
 "GET /control/timeline?type=pit_stop%2Csafety_car"]
--- error_code eval
[200, 200]
--- response_body_like eval
['^\{"events":\[\{"id":6,"event":"pit_stop",[^{}]*\},\{"id":14,"event":"safety_car",[^{}]*\},\{"id":24,"event":"pit_stop",[^{}]*\}\],"count":3,"truncated":false\}$',
 '^\{"events":\[\{"id":6,"event":"pit_stop",[^{}]*\},\{"id":14,"event":"safety_car",[^{}]*\},\{"id":24,"event":"pit_stop",[^{}]*\}\],"count":3,"truncated":false\}$']
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 4: ?from= and ?to= percent-decoded: %3A is the colon
--- http_config eval: $::http_config
--- config eval: $::config
--- request eval
["GET /control/timeline?from=00:03:00",
 "GET /control/timeline?from=00%3A03%3A00",
 "GET /control/timeline?type=pit_stop&from=00%3A01%3A00&to=00%3A03%3A20"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
['^\{"events":\[\{"id":16,.*\{"id":26,[^{}]*\}\],"count":11,"truncated":false\}$',
 '^\{"events":\[\{"id":16,.*\{"id":26,[^{}]*\}\],"count":11,"truncated":false\}$',
 '^\{"events":\[\{"id":24,"event":"pit_stop",[^{}]*\}\],"count":1,"truncated":false\}$']
--- no_error_log
[error]
[alert]
[crit]
[emerg]
