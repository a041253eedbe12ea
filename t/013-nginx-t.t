# "nginx -t" itself: a broken archive fails the configuration test with
# the archive's file:line and the reason; a corrupt stream line only warns.
# Plain Test::More: it runs nginx -t directly.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(fixture nginx_prefix nginx_binary);

sub nginx_t {
    my ($archive) = @_;

    my $prefix = nginx_prefix(<<"END");
    f1_replay_session s path=$archive zone=s:1m;
    server {
        listen 127.0.0.1:1;
        location / {
            f1_replay_info s;
        }
    }
END

    my $nginx = nginx_binary();
    my $out = `$nginx -t -p $prefix/ -c conf/nginx.conf 2>&1`;
    my $rc = $? >> 8;

    unlike($out, qr/AddressSanitizer|LeakSanitizer|runtime error:/,
           "no sanitizer report for $archive");

    return ($rc, $out);
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

done_testing();
