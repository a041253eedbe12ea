# The four recorded sessions in ../shared/data load into a shared zone and
# f1_replay_info serves facts that can be checked against the data.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir);

my $data = data_dir();

if (!-d "$data/2025-dutch-grand-prix-race") {
    plan(skip_all => "recorded sessions not found in $data "
                     . "(set F1_REPLAY_DATA)");
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: Dutch GP race: 72 laps, the classification of its PROVENANCE.md
--- http_config
    f1_replay_session dutch
        path=$TEST_NGINX_DATA/2025-dutch-grand-prix-race zone=dutch:64m;
--- config
    location = /info {
        f1_replay_info dutch;
    }
--- request
GET /info
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"meeting":"Dutch Grand Prix",.*"session_type":"Race",.*"lights_out":"00:10:00.000","total_laps":72,"last_lap":72,"car_data":true,"position_data":true,"timing_only":false,"lap_data":true,"formation_lap":null,"skipped_lines":0,.*"classification":\["PIA","VER","HAD","RUS","ALB","ANT","BEA","STR","ALO","TSU","OCO","COL","LAW","SAI","HUL","BOR","GAS","NOR","LEC","HAM"\]\}$
--- error_log
f1_replay_session "dutch": loaded
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 2: Dutch GP race: pit stops of PROVENANCE.md (Sainz, four)
--- http_config
    f1_replay_session dutch
        path=$TEST_NGINX_DATA/2025-dutch-grand-prix-race zone=dutch:64m;
--- config
    location = /info {
        f1_replay_info dutch;
    }
--- request
GET /info
--- response_body_like: "tla":"SAI",.*?"car_samples":44348,"position_samples":44348,.*?"laps":72,.*?"pit_stops":4,"pit_in":\["00:39:48.111","00:47:17.593","01:18:34.740","01:38:28.244"\]
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 3: Mexico City qualifying: 20 drivers, car and position samples each
--- http_config
    f1_replay_session quali
        path=$TEST_NGINX_DATA/2025-mexico-city-grand-prix-qualifying
        zone=quali:32m;
--- config
    location = /info {
        f1_replay_info quali;
    }
--- request
GET /info
--- response_body_like: ^(?!.*"car_samples":0,)(?!.*"position_samples":0,)\{"meeting":"Mexico City Grand Prix",.*"session_type":"Qualifying",.*"car_data":true,"position_data":true,"timing_only":false,(?:(?:(?!"tla").)*"tla":"[A-Z]{3}"){20}(?:(?!"tla").)*$
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 4: 2018 Azerbaijan race (BOM + CRLF): laps, stints, result
--- http_config
    f1_replay_session baku
        path=$TEST_NGINX_DATA/2018-azerbaijan-grand-prix-race zone=baku:8m;
--- config
    location = /info {
        f1_replay_info baku;
    }
--- request
GET /info
--- response_body_like: "total_laps":51,"last_lap":51,"car_data":false,"position_data":false,"timing_only":true,.*"tla":"HAM",[^\]]*"laps":51,"position":1,"retired":false,"pit_stops":\d+,"pit_in":\[[^\]]*\],"stints":\[\{"compound":"SUPERSOFT",[^\]]*\},\{"compound":"SOFT",[^\]]*\},\{"compound":"ULTRASOFT",[^\]]*\}\]\}.*"classification":\["HAM","RAI","PER","VET","SAI","LEC",
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 5: Mexico City race: timing only, loads and says so
--- http_config
    f1_replay_session mexico
        path=$TEST_NGINX_DATA/2025-mexico-city-grand-prix-race zone=mexico:4m;
--- config
    location = /info {
        f1_replay_info mexico;
    }
--- request
GET /info
--- response_body_like: "utc0_source":"heartbeat",.*"total_laps":71,"last_lap":71,"car_data":false,"position_data":false,"timing_only":true,.*"classification":\["NOR","LEC","VER","BEA","PIA",
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 6: race state at a session time (Dutch GP, safety car, lap 24)
--- http_config
    f1_replay_session dutch
        path=$TEST_NGINX_DATA/2025-dutch-grand-prix-race zone=dutch:64m;
--- config
    location = /info {
        f1_replay_info dutch;
    }
--- request
GET /info?t=00:40:00.000
--- response_body_like: ^\{"t":2400000,"time":"00:40:00.000","utc":"2025-08-31T13:30:00.000Z","lap":24,"total_laps":72,"session_status":"Started","track_status":\{"status":4,"message":"SCDeployed","since":"00:38:44.115"\},.*"cars":\[\{"number":81,"tla":"PIA","position":1,"laps":23,.*"pit_stops":1,"stint":2,"compound":"HARD",
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 7: a bad ?t= is a 400
--- http_config
    f1_replay_session mexico
        path=$TEST_NGINX_DATA/2025-mexico-city-grand-prix-race zone=mexico:4m;
--- config
    location = /info {
        f1_replay_info mexico;
    }
--- request
GET /info?t=soon
--- error_code: 400
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 8: only GET and HEAD
--- http_config
    f1_replay_session mexico
        path=$TEST_NGINX_DATA/2025-mexico-city-grand-prix-race zone=mexico:4m;
--- config
    location = /info {
        f1_replay_info mexico;
    }
--- request
POST /info
hello
--- error_code: 405
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]
