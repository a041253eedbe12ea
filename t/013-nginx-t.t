# "nginx -t" itself: a broken archive fails the configuration test with
# the archive's file:line and the reason; a corrupt stream line only warns;
# configuration errors (a missing topic or archive, an unknown session, a
# bad zone, an invalid predictions file, bad start, anchor and loop
# parameters) name what is wrong; a FIFO named like a topic fails at once,
# never read (bounded: a blocking read would wait for a writer).  A
# Test::More script: it runs nginx -t and reads its stderr, where nginx
# reports configuration errors before its error log is open (Debian's
# nginx is built with --error-log-path=stderr): no Test::Nginx block can
# see them.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib $FindBin::Bin;
use File::Temp qw(tempdir);
use POSIX ();
use F1Fixture qw(fixture nginx_prefix nginx_binary z_line tools run_bounded);

# nginx -t on an http{} of its own; (exit code, output)
sub nginx_t_http {
    my ($http) = @_;

    my $prefix = nginx_prefix($http);
    my $nginx = nginx_binary();
    my $out = `$nginx -t -p $prefix/ -c conf/nginx.conf 2>&1`;
    my $rc = $? >> 8;

    unlike($out, qr/AddressSanitizer|LeakSanitizer|runtime error:/,
           "no sanitizer report");

    return ($rc, $out);
}

# nginx -t on one session of an archive
sub nginx_t {
    my ($archive, $params) = @_;

    $params //= '';

    return nginx_t_http(<<"END");
    f1_replay_session s path=$archive zone=s:1m $params;
    server {
        listen 127.0.0.1:1;
        location / {
            f1_replay_info s;
        }
    }
END
}

my ($rc, $out);

($rc, $out) = nginx_t(fixture());
is($rc, 0, 'a good archive passes nginx -t');
like($out, qr/test is successful/, '... and says so');
unlike($out, qr/\[(warn|error|alert|crit|emerg)\]/, '... quietly');

($rc, $out) = nginx_t(fixture(SessionInfo => "00:00:00.000{\"Meeting\":}\n"));
isnt($rc, 0, 'invalid JSON in SessionInfo fails nginx -t');
like($out, qr{nginx: \[emerg\] f1_replay_session "s": \S+/SessionInfo\.jsonStream:1: \S}, '... with file:line and reason');
like($out, qr/test failed/, '... and the test fails');

($rc, $out) = nginx_t(fixture(TimingData => ''));
isnt($rc, 0, 'an empty topic file fails nginx -t');
like($out, qr{nginx: \[emerg\] f1_replay_session "s": \S+/TimingData\.jsonStream: file is empty}, '... naming the file');

($rc, $out) = nginx_t("$FindBin::Bin/fixtures/none");
isnt($rc, 0, 'a missing archive fails nginx -t');
like($out, qr{\[emerg\] (?:\d+#\d+: )?archive directory "\S+/fixtures/none": No such file or directory in \S+nginx\.conf:\d+}, '... with the configuration line');

($rc, $out) = nginx_t(fixture(LapCount => "00:00:05.000{\"CurrentLap\":1}\n"
                                         . "00:01:xx.000{\"CurrentLap\":2}\n"));
is($rc, 0, 'one corrupt stream line passes nginx -t');
like($out, qr{nginx: \[warn\] f1_replay_session "s": \S+/LapCount\.jsonStream:2: .*, line skipped}, '... with a warning naming file:line');

($rc, $out) = nginx_t(fixture(DriverList => undef));
isnt($rc, 0, 'a missing required topic fails nginx -t');
like($out, qr{\[emerg\] .*missing required topic DriverList\.jsonStream \(required: SessionInfo, DriverList\) in .*nginx\.conf:\d+}, '... naming it and what is required');

my $good = fixture();

($rc, $out) = nginx_t_http(<<"END");
    server {
        listen 127.0.0.1:1;
        location = /info {
            f1_replay_info nope;
        }
    }
END
isnt($rc, 0, 'f1_replay_info of an unknown session fails nginx -t');
like($out, qr{\[emerg\] .*unknown f1_replay_session "nope"}, '... naming it');

($rc, $out) = nginx_t($good, 'zone=t');
like($out, qr{\[emerg\] .*invalid zone "zone=t": use zone=name:size}, 'a zone without a size fails nginx -t, saying how');

($rc, $out) = nginx_t_http(<<"END");
    f1_replay_session a path=$good zone=z:1m;
    f1_replay_session b path=$good zone=z:1m;
END
isnt($rc, 0, 'one zone for two sessions fails nginx -t');
like($out, qr{\[emerg\] .*zone "z" is already used}, '... saying so');

# an invalid predictions file

my $pred = tempdir('f1-pred-XXXXXX', TMPDIR => 1, CLEANUP => 1);
open my $pf, '>', "$pred/bad.json" or die "$pred: $!";
print $pf '{"model":';
close $pf;

($rc, $out) = nginx_t_http(<<"END");
    f1_replay_session s path=$good zone=s:1m;
    server {
        listen 127.0.0.1:1;
        location = /ws {
            f1_replay s;
            f1_replay_predictions $pred/bad.json;
        }
    }
END
isnt($rc, 0, 'an invalid predictions file fails nginx -t');
like($out, qr{\[emerg\] .*invalid JSON in predictions file ".*/bad\.json": }, '... naming it');

# a FIFO named like a topic: refused at once, never opened for a blocking
# read (which waits for a writer: nginx -t, and a reload, would hang)

my $fifo = fixture();
unlink "$fifo/TrackStatus.jsonStream" or die "$fifo: $!";
POSIX::mkfifo("$fifo/TrackStatus.jsonStream", 0644) or die "mkfifo: $!";

my $fifo_prefix = nginx_prefix(<<"END");
    f1_replay_session s path=$fifo zone=s:1m;
END
my $r = run_bounded(10, nginx_binary(), '-t', '-p', "$fifo_prefix/",
                    '-c', 'conf/nginx.conf');
ok(!$r->{timed_out} && $r->{secs} < 5,
   sprintf('a FIFO named like a topic: nginx -t ends at once (%.1f s%s)',
           $r->{secs}, $r->{timed_out} ? ', stopped at the 10 s bound' : ''));
isnt($r->{status}, 0, '... and fails');
like($r->{out}, qr{\[emerg\] f1_replay_session "s": \S+/TrackStatus\.jsonStream: not a regular file}, '... naming the file: not a regular file');
unlike($r->{out}, qr/AddressSanitizer|LeakSanitizer|runtime error:/,
       '... no sanitizer report');

# start options

($rc, $out) = nginx_t(fixture(), 'start=00:01:00');
is($rc, 0, 'start at a session time passes');

($rc, $out) = nginx_t(fixture(), 'start=00:09:00.000');
isnt($rc, 0, 'start after the session\'s end fails');
like($out, qr{\[emerg\] f1_replay_session "s": start is outside the session "\S+", which ends at 00:03:36\.000}, '... saying where it ends');

($rc, $out) = nginx_t(fixture(), 'start=soon');
like($out, qr{\[emerg\] (?:\d+#\d+: )?invalid start "start=soon": lights_out, formation or a session time HH:MM:SS\[\.mmm\]}, 'an invalid start: the forms allowed');

($rc, $out) = nginx_t(fixture(), 'anchor=tomorrow');
like($out, qr{\[emerg\] (?:\d+#\d+: )?invalid anchor "anchor=tomorrow": a UTC time such as}, 'an invalid anchor');

($rc, $out) = nginx_t(fixture(), 'anchor=2026-11-25T18:00:00');
isnt($rc, 0, 'an anchor without its Z (UTC) fails');

($rc, $out) = nginx_t(fixture(), 'anchor=2026-11-25T18:00:00.250Z loop=off');
is($rc, 0, 'an anchor and loop=off pass');

($rc, $out) = nginx_t(fixture(), 'loop=maybe');
like($out, qr{\[emerg\] (?:\d+#\d+: )?invalid parameter "loop=maybe"}, 'loop=maybe fails');

($rc, $out) = nginx_t(fixture(), 'start=formation');
isnt($rc, 0, 'start=formation without car data before lights-out fails');
like($out, qr{\[emerg\] f1_replay_session "s": start=formation: no formation lap in the car data of "\S+"}, '... saying why');

# a hand-made formation lap: two cars stand on the grid until 00:00:40,
# run until 00:02:40, stand again; lights out at 00:03:00

my $cars = '';
for my $sec (10 .. 179) {
    my $v = ($sec >= 40 && $sec < 160) ? 100 : 0;
    my $t = sprintf('00:%02d:%02d.000', $sec / 60, $sec % 60);
    my $utc = sprintf('2030-01-01T12:%02d:%02d.000Z', $sec / 60, $sec % 60);
    $cars .= z_line($t, qq({"Entries":[{"Utc":"$utc","Cars":{)
                        . qq("1":{"Channels":{"0":9000,"2":$v,"3":2,"4":20,)
                        . qq("5":0,"45":0}},"2":{"Channels":{"0":9000,"2":$v,)
                        . qq("3":2,"4":20,"5":0,"45":0}}}}]})) . "\n";
}

my $formation = fixture('CarData.z' => $cars,
                        SessionStatus => "00:00:03.000{\"Status\":\"Inactive\"}\n"
                                         . "00:03:00.000{\"Status\":\"Started\"}\n");

($rc, $out) = nginx_t($formation, 'start=formation');
is($rc, 0, 'start=formation with a formation lap in the car data passes')
    or diag($out);

my $summary = `@{[tools()]}/f1-replay-inspect $formation`;
like($summary, qr/"formation_lap": "00:00:40\.000"/,
     '... the formation lap found at 00:00:40');

done_testing();
