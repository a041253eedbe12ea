# Broken archives: a clear error naming the file (and line), or, for one
# corrupt line of a recorded stream, a warning naming it and the line
# skipped.  Nothing crashes: every block forbids [alert] and [crit] (our
# runner also fails on a sanitizer report).  Errors in the configuration
# itself (a missing archive or topic, an unknown session, a bad zone) are
# reported before nginx's error log is open: t/013-nginx-t.t checks them.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir fixture z_line);

my $car = '{"Entries":[{"Utc":"2030-01-01T12:00:31.000Z","Cars":{"1":'
          . '{"Channels":{"0":10000,"2":200,"3":5,"4":80,"5":0,"45":0}}}}]}';

my %fx = (
    EMPTY       => fixture(TimingData => ''),
    TRUNCATED   => fixture(TimingData =>
        "00:00:10.000{\"Lines\":{\"1\":{\"Position\":\"1\"}}}\r\n"
        . "00:00:11.000{\"Lines\":{\"1\":{\"Position\":"),
    TRUNC_INFO  => fixture(SessionInfo => '00:00:00.000{"Meeting":{"Na'),
    BAD_TIME    => fixture(LapCount =>
        "00:00:05.000{\"CurrentLap\":1,\"TotalLaps\":3}\n"
        . "00:0x:40.000{\"CurrentLap\":2}\n"
        . "00:03:10.000{\"CurrentLap\":3}\n"),
    BAD_JSON    => fixture(TrackStatus =>
        "00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\n"
        . "00:02:00.000{\"Status\":\"4\",\"Message\":SCDeployed}\n"),
    BAD_INFO    => fixture(SessionInfo => "00:00:00.000{\"Meeting\":}\n"),
    BAD_B64     => fixture('CarData.z' =>
        z_line('00:00:31.000', $car) . "\n"
        . "00:00:32.000\"AAAA!AAA\"\n"),
    BAD_DEFLATE => fixture('CarData.z' =>
        z_line('00:00:31.000', $car) . "\n"
        . "00:00:32.000\"AAAAAAAA\"\n"),
    BAD_TYPE    => fixture(TimingData =>
        "00:00:10.000{\"Lines\":{\"1\":{\"Position\":\"1\"}}}\n"
        . "00:00:11.000{\"Lines\":{\"1\":{\"NumberOfLaps\":\"many\"}}}\n"),
    BAD_XYZ     => fixture('Position.z' =>
        z_line('00:00:31.000', '{"Position":[{"Timestamp":'
               . '"2030-01-01T12:00:31Z","Entries":{"1":{"Status":'
               . '"OnTrack","X":"far","Y":0,"Z":0}}}]}') . "\n"
        . z_line('00:00:32.000', '{"Position":[{"Timestamp":'
               . '"2030-01-01T12:00:32Z","Entries":{"1":{"Status":'
               . '"OnTrack","X":100,"Y":200,"Z":3}}}]}') . "\n"),
    BAD_DRIVER  => fixture(DriverList => "00:00:01.000{\"1\":5}\n"),
    MANY_BAD    => fixture(TimingData =>
        join('', map { "00:00:$_.000 nonsense\n" } 10 .. 59)
        . join('', map { "00:01:$_.000 nonsense\n" } 10 .. 59)
        . "00:02:00.000 nonsense\n"),
);

$ENV{"TEST_NGINX_FX_$_"} = $fx{$_} for keys %fx;

our $info = <<'_EOC_';
    location = /info {
        f1_replay_info s;
    }
_EOC_

data_dir();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: empty topic file
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_EMPTY zone=s:1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*f1_replay_session "s": .*/TimingData\.jsonStream: file is empty}
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: truncated stream: the cut last line is skipped with a warning
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_TRUNCATED zone=s:1m;
--- config eval: $::info
--- request
GET /info
--- response_body_like: "skipped_lines":1,
--- error_log eval
qr{\[warn\] .*f1_replay_session "s": .*/TimingData\.jsonStream:2: .* \(truncated last line\), line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 3: truncated SessionInfo is fatal
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_TRUNC_INFO zone=s:1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*f1_replay_session "s": .*/SessionInfo\.jsonStream:1: .*\(truncated last line\)}
--- no_error_log
[error]
[alert]
[crit]



=== TEST 4: corrupt time prefix: warning with file:line, line skipped
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_TIME zone=s:1m;
--- config eval: $::info
--- request
GET /info?t=00:03:20.000
--- response_body_like: ^\{"t":200000,.*"lap":3,
--- error_log eval
qr{\[warn\] .*/LapCount\.jsonStream:2: .*, line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 5: invalid JSON in a stream line: warning, line skipped
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_JSON zone=s:1m;
--- config eval: $::info
--- request
GET /info?t=00:02:30.000
--- response_body_like: "track_status":\{"status":1,"message":"AllClear"
--- error_log eval
qr{\[warn\] .*/TrackStatus\.jsonStream:2: .*, line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 6: invalid JSON in SessionInfo is fatal
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_INFO zone=s:1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*f1_replay_session "s": .*/SessionInfo\.jsonStream:1: }
--- no_error_log
[error]
[alert]
[crit]



=== TEST 7: bad base64 in CarData.z: warning, line skipped
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_B64 zone=s:1m;
--- config eval: $::info
--- request
GET /info
--- response_body_like: "car_data":true,.*"skipped_lines":1,.*"car_samples":1,
--- error_log eval
qr{\[warn\] .*/CarData\.z\.jsonStream:2: .*base64.*, line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 8: bad deflate data in CarData.z: warning, line skipped
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_DEFLATE zone=s:1m;
--- config eval: $::info
--- request
GET /info
--- response_body_like: "skipped_lines":1,.*"car_samples":1,
--- error_log eval
qr{\[warn\] .*/CarData\.z\.jsonStream:2: .*inflate.*, line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 9: wrong type in TimingData: warning, line skipped
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_TYPE zone=s:1m;
--- config eval: $::info
--- request
GET /info
--- response_body_like: "skipped_lines":1,
--- error_log eval
qr{\[warn\] .*/TimingData\.jsonStream:2: car "1": "NumberOfLaps" is not a number, line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 10: wrong type in Position.z: warning, line skipped
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_XYZ zone=s:1m;
--- config eval: $::info
--- request
GET /info
--- response_body_like: "position_data":true,.*"position_samples":1,
--- error_log eval
qr{\[warn\] .*/Position\.z\.jsonStream:1: "X" is not an integer, line skipped}
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 11: wrong type in DriverList is fatal
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_BAD_DRIVER zone=s:1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*/DriverList\.jsonStream:1: car "1" is not an object}
--- no_error_log
[error]
[alert]
[crit]



=== TEST 12: too many corrupt lines is fatal
--- http_config
    f1_replay_session s path=$TEST_NGINX_FX_MANY_BAD zone=s:1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*/TimingData\.jsonStream:101: .*more than 100 corrupt lines, giving up}
--- no_error_log
[error]
[alert]
[crit]



=== TEST 13: zone too small for the session
--- http_config
    f1_replay_session s
        path=$TEST_NGINX_DATA/2025-mexico-city-grand-prix-race zone=s:64k;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*f1_replay_session "s": zone "s" is too small: the session needs \d+ bytes and its counters \d+, the zone has 65536; make it at least 1m}
--- no_error_log
[error]
[alert]
[crit]
