# One event model: the summary's pit stops and pit entries, the state's
# pit_stops and the timeline's pit_stop and pit_in events come from the
# same list of events, found once when the session is loaded, and agree
# for every car.  Two archives, hand-written from t/fixtures/patch
# (F1Fixture::fixture_named):
#
#   first_lap     BBB enters the pit lane at 00:00:50, before it completes
#                 its first lap, and comes out on a new set of hards
#   no_timing     no TimingData at all (as the Mexico City race archive):
#                 AAA's stops come from its TimingAppData stints; what the
#                 archive cannot give (laps) is null, never 0

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;

$ENV{TEST_NGINX_FX_FIRST_LAP} = F1Fixture::fixture_named('first_lap');
$ENV{TEST_NGINX_FX_NO_TIMING} = F1Fixture::fixture_named('no_timing');

our $http_config = <<'_EOC_';
    f1_replay_session first_lap path=$TEST_NGINX_FX_FIRST_LAP zone=fl:1m;
    f1_replay_session no_timing path=$TEST_NGINX_FX_NO_TIMING zone=nt:1m;
_EOC_

our $config = <<'_EOC_';
    location = /first_lap/info {
        f1_replay_info first_lap;
    }

    location /first_lap/control/ {
        f1_replay_control first_lap;
    }

    location = /no_timing/info {
        f1_replay_info no_timing;
    }

    location /no_timing/control/ {
        f1_replay_control no_timing;
    }
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a stop before the first lap is completed: in the summary's pit entries
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /first_lap/info
--- error_code: 200
--- response_body_like: "tla":"BBB",[^\]]*"laps":2,"position":1,"retired":false,"pit_stops":1,"pit_in":\["00:00:50.000"\],"stints":\[\{"compound":"SOFT",.*\},\{"compound":"HARD","new":true,"from":"00:00:55.000","start_lap":0,
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 2: ... the same stop in the timeline, as a pit entry and a pit stop
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /first_lap/control/timeline?type=pit_in,pit_stop
--- error_code: 200
--- response_body_like: ^\{"events":\[\{"id":\d+,"event":"pit_in","t":50000,"time":"00:00:50.000","lap":1,"driver":2,"tla":"BBB"\},\{"id":\d+,"event":"pit_stop","t":50000,"time":"00:00:50.000","lap":1,"driver":2,"tla":"BBB","end":70000,"end_time":"00:01:10.000","stint":2,"compound":"HARD","new":true,"tyre_age":0\},.*"count":\d+,"truncated":false\}$
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 3: ... not in the state before the stop
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /first_lap/info?t=00:00:49.999
--- error_code: 200
--- response_body_like: "tla":"BBB","position":\d+,"laps":0,[^}]*"pit_stops":0,
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 4: ... and in it from the stop on
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /first_lap/info?t=00:00:50.000
--- error_code: 200
--- response_body_like: "tla":"BBB","position":\d+,"laps":0,[^}]*"in_pit":true,[^}]*"pit_stops":1,
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 5: without TimingData: stops from the stints, laps unknown (null)
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /no_timing/info
--- error_code: 200
--- response_body_like: "lap_data":false,.*"tla":"AAA",[^\]]*"laps":null,"position":\d+,"retired":false,"pit_stops":1,"pit_in":\[\],"stints":\[\{"compound":"MEDIUM",.*\},\{"compound":"INTERMEDIATE","new":true,"from":"00:03:35.000",
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 6: ... the state says the same
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /no_timing/info?t=00:04:00.000
--- error_code: 200
--- response_body_like: "tla":"AAA","position":\d+,"laps":null,[^}]*"pit_stops":1,"stint":2,"compound":"INTERMEDIATE",
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 7: ... and the timeline lists the stop at the new stint
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /no_timing/control/timeline?type=pit_stop
--- error_code: 200
--- response_body_like: ^\{"events":\[\{"id":\d+,"event":"pit_stop","t":215000,"time":"00:03:35.000","lap":3,"driver":1,"tla":"AAA","end":null,"end_time":null,"stint":2,"compound":"INTERMEDIATE","new":true,"tyre_age":0\}\],"count":1,"truncated":false\}$
--- no_error_log
[error]
[alert]
[crit]
[emerg]
