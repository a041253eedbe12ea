# nginx -s reload: an unchanged archive keeps its zone without being parsed
# again; a changed archive, or a changed zone size, is loaded again; a
# broken archive on reload keeps the running configuration.  Plain
# Test::More driving one nginx master (started and stopped by pid).

use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use Time::HiRes qw(sleep);
use File::Copy qw(copy);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(fixture nginx_prefix nginx_start nginx_stop free_port);

my $port = $ENV{TEST_NGINX_RELOAD_PORT} || free_port();
my $archive = fixture();
my $prefix;

sub conf {
    my ($size) = @_;

    $prefix = nginx_prefix(<<"END", master => 1, dir => $prefix);
    f1_replay_session fx path=$archive zone=fx:$size;
    server {
        listen 127.0.0.1:$port;
        location / {
            f1_replay_info fx;
        }
    }
END
}

sub log_count {
    my ($re) = @_;

    open my $fh, '<', "$prefix/logs/error.log" or return 0;
    my $n = grep { /$re/ } <$fh>;
    close $fh;

    return $n;
}

sub wait_for {
    my ($re, $n) = @_;

    for (1 .. 100) {
        return 1 if log_count($re) >= $n;
        sleep 0.1;
    }

    return 0;
}

sub get {
    my ($path) = @_;

    my $r = HTTP::Tiny->new(timeout => 5)
                     ->get("http://127.0.0.1:$port$path");
    return $r->{status} == 200 ? $r->{content} : "status $r->{status}";
}

sub reload {
    my ($pid) = @_;

    my $n = log_count(qr/\[notice\] .*start worker process/);
    kill 'HUP', $pid;
    wait_for(qr/\[notice\] .*start worker process/, $n + 1);
    sleep 0.3;
}

conf('1m');

my $pid = nginx_start($prefix);

ok(wait_for(qr/start worker process/, 1), 'nginx started');
sleep 0.3;

is(log_count(qr/f1_replay_session "fx": loaded/), 1, 'archive loaded once');
like(get('/?t=00:03:40.000'), qr/"compound":"INTERMEDIATE"/,
     'serves the fixture');

reload($pid);
is(log_count(qr/f1_replay_session "fx": loaded/), 1,
   'unchanged archive: not parsed again on reload');
is(log_count(qr/"fx": archive unchanged, reusing zone "fx"/), 1,
   '... the zone is reused');
like(get('/?t=00:03:40.000'), qr/"compound":"INTERMEDIATE"/,
     '... and still served');

open my $fh, '>>', "$archive/TimingData.jsonStream" or die $!;
print $fh "00:04:50.000{\"Lines\":{\"1\":{\"NumberOfLaps\":3}}}\n";
close $fh;

reload($pid);
is(log_count(qr/f1_replay_session "fx": loaded/), 2,
   'changed archive: loaded again');
like(get('/?t=00:05:00.000'), qr/"number":1,"tla":"AAA","position":2,"laps":3,/,
     '... and the new data is served');

conf('2m');
reload($pid);
is(log_count(qr/f1_replay_session "fx": loaded/), 3,
   'changed zone size: loaded into the new zone');
like(get('/?t=00:05:00.000'), qr/"laps":3,/, '... and served');

open $fh, '>', "$archive/TimingData.jsonStream" or die $!;
close $fh;

kill 'HUP', $pid;
ok(wait_for(qr/\[emerg\] .*TimingData\.jsonStream: file is empty/, 1),
   'broken archive on reload: the error is logged');
like(get('/?t=00:05:00.000'), qr/"laps":3,/,
     '... and the running configuration goes on serving');

is(nginx_stop($pid) >> 8, 0, 'nginx exited cleanly');

is(log_count(qr/\[(alert|crit)\]|AddressSanitizer|runtime error:/), 0,
   'no [alert], [crit] or sanitizer report in the error log');

open my $err, '<', "$prefix/logs/stderr.log" or die "stderr.log: $!";
my @reports = grep { /AddressSanitizer|LeakSanitizer|runtime error:/ } <$err>;
close $err;
is(scalar @reports, 0, '... nor on stderr') or diag(@reports);

done_testing();
