# What the server sends besides frames: race events when the replay clock
# passes them; predictions (built in and from a file) after hello and
# state, before the first frame.  (An invalid predictions file fails the
# configuration: t/013-nginx-t.t.)

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;
use File::Temp ();

$ENV{TEST_NGINX_FIXTURE} = F1Fixture::fixture();

our $http_config = <<'_EOC_';
    f1_replay_session fx path=$TEST_NGINX_FIXTURE zone=fx:1m;
_EOC_

# the clock starts at lights-out (00:00:30): events 1 s and 1.5 s later
$ENV{TEST_NGINX_FX_EVENTS} = F1Fixture::fixture(
    WeatherData => '00:00:31.000{"AirTemp":"22.0","Humidity":"41.0",'
                   . '"Pressure":"1012.0","Rainfall":"1","TrackTemp":"30.0",'
                   . '"WindDirection":"90","WindSpeed":"3.5"}' . "\n",
    TrackStatus => "00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\n"
                   . "00:00:31.500{\"Status\":\"2\",\"Message\":\"Yellow\"}\n");

# a predictions document
my $pdir = File::Temp::tempdir('f1-pred-XXXXXX', TMPDIR => 1, CLEANUP => 1);
open my $pf, '>', "$pdir/good.json" or die;
print $pf '{"model":"hand","pit_window":{"81":[20,28]},"p":0.25}';
close $pf;
$ENV{TEST_NGINX_PREDICTIONS} = $pdir;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: race events are sent when the clock passes them
--- http_config
    f1_replay_session ev path=$TEST_NGINX_FX_EVENTS zone=ev:1m;
--- config
    location = /ws {
        f1_replay ev;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 2.2
--- error_code: 101
--- response_body_like eval
qr/\{"type":"event","id":\d+,"event":"weather","t":31000,"time":"00:00:31.000","lap":\d+,"air_temp":22.0,"track_temp":30.0,"humidity":41.0,"pressure":[\d.]+,"wind_speed":3.5,"wind_direction":[\d.]+,"rainfall":true\}.*\{"type":"event","id":\d+,"event":"track_status","t":31500,"time":"00:00:31.500","lap":\d+,"status":2,"message":"Yellow"\}.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]



=== TEST 2: predictions, built in and from a file: after hello and state, before frames
--- http_config eval: $::http_config
--- config
    location = /ws {
        f1_replay fx;
        f1_replay_predictions $TEST_NGINX_PREDICTIONS/good.json;
    }
--- raw_request eval
[F1Fixture::ws_handshake('/ws'), F1Fixture::ws_close(1000)]
--- raw_request_middle_delay: 0.2
--- error_code: 101
--- response_body_like eval
qr/^\x81\x7e..\{"type":"hello",.*\x81\x7e..\{"type":"state",.*\x81\x7e..\{"type":"predictions","lap":0,"builtin":\{"model":"ngx_f1_replay_strategy\/2",.*,"file":\{"model":"hand","pit_window":\{"81":\[20,28\]\},"p":0.25\}\}\x81.{1,3}\{"type":"frame",.*\x88\x02\x03\xe8\z/s
--- no_error_log
[warn]
[error]
[alert]
[crit]
[emerg]
