# TimingData / TimingAppData lines are partial updates of one state
# object: objects merge by key, a list sent whole is later patched by
# index, later values override earlier ones.  The hand-written archive in
# t/fixtures/patch (made into an archive by F1Fixture::fixture) is checked
# through f1_replay_info?t=.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;

$ENV{TEST_NGINX_FIXTURE} = F1Fixture::fixture();

our $http_config = <<'_EOC_';
    f1_replay_session fx path=$TEST_NGINX_FIXTURE zone=fx:1m;
_EOC_

our $config = <<'_EOC_';
    location = /info {
        f1_replay_info fx;
    }
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the first snapshot: driver-list order patched, one stint each
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /info?t=00:00:30.000
--- response_body_like: ^\{"t":30000,"time":"00:00:30.000","utc":"2030-01-01T12:00:30.000Z","lap":1,"total_laps":3,"session_status":"Started","track_status":\{"status":1,"message":"AllClear","since":"00:00:00.000"\},"weather":null,"cars":\[\{"number":1,"tla":"AAA","position":1,"laps":0,"gap_ms":null,"gap_laps":null,"interval_ms":null,"interval_laps":null,"last_lap_ms":null,"best_lap_ms":null,"in_pit":false,"pit_out":false,"retired":false,"stopped":false,"pit_stops":0,"stint":1,"compound":"MEDIUM","tyre_new":true,"tyre_age":0\},\{"number":2,"tla":"BBB","position":2,.*"stint":1,"compound":"SOFT","tyre_new":false,"tyre_age":3\}\],"race_control":\[\{"time":"00:00:25.000",.*"message":"GREEN LIGHT - PIT EXIT OPEN"\}\]\}$
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 2: object merge keeps what a patch does not name; list index patch
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /info?t=100500
--- response_body_like: "cars":\[\{"number":1,"tla":"AAA","position":1,"laps":1,"gap_ms":0,"gap_laps":null,"interval_ms":null,"interval_laps":null,"last_lap_ms":90000,.*"stint":1,"compound":"MEDIUM","tyre_new":true,"tyre_age":1\},\{"number":2,"tla":"BBB","position":2,"laps":0,
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 3: positions swap, pit entry, race-control list patched by index
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /info?t=00:03:20.000
--- response_body_like: "lap":3,.*"cars":\[\{"number":2,"tla":"BBB","position":1,"laps":2,"gap_ms":0,"gap_laps":null,"interval_ms":1500,"interval_laps":null,"last_lap_ms":88500,.*\},\{"number":1,"tla":"AAA","position":2,"laps":2,"gap_ms":800,"gap_laps":null,"interval_ms":800,"interval_laps":null,"last_lap_ms":90800,"best_lap_ms":null,"in_pit":true,"pit_out":false,.*"stint":1,"compound":"MEDIUM",.*"race_control":\[\{.*"GREEN LIGHT - PIT EXIT OPEN"\},\{"time":"00:02:00.000","utc":"2030-01-01T12:02:00.000Z","lap":2,"category":"SafetyCar","flag":"","scope":"","message":"SAFETY CAR DEPLOYED"\}\]
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 4: a new stint appended by index; a later line overrides it
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /info?t=00:03:35.500
--- response_body_like: "number":1,"tla":"AAA","position":2,.*"in_pit":false,"pit_out":true,"retired":false,"stopped":false,"pit_stops":1,"stint":2,"compound":"HARD","tyre_new":true,"tyre_age":0\}
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 5: ... and the later value wins
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /info?t=00:03:36.000
--- response_body_like: "number":1,"tla":"AAA",.*"pit_stops":1,"stint":2,"compound":"INTERMEDIATE","tyre_new":true,"tyre_age":0\}
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 6: summary: stints with first-seen times and start laps
--- http_config eval: $::http_config
--- config eval: $::config
--- request
GET /info
--- response_body_like: "meeting":"Fixture Grand Prix",.*"utc0":"2030-01-01T12:00:00.000Z","utc0_source":"race_control",.*"lights_out":"00:00:30.000","total_laps":3,.*"timing_only":true,.*"drivers":\[\{"number":2,"tla":"BBB",.*\},\{"number":1,"tla":"AAA","name":"Alpha ALPHA","team":"Team A","colour":"FF0000",.*"pit_stops":1,"pit_in":\["00:03:10.800"\],"stints":\[\{"compound":"MEDIUM","new":true,"from":"00:00:20.000","start_lap":0,"start_age":0,"total_laps":1\},\{"compound":"INTERMEDIATE","new":true,"from":"00:03:35.000","start_lap":2,"start_age":0,"total_laps":0\}\]\}\],"classification":\["BBB","AAA"\]\}$
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]
