# Reloads as a careless operator does them (issue 10), with
# t/hostile_check.py against one nginx master each:
#
#   - a topic of the archive changes (a copy of the 2018 Azerbaijan race,
#     a line added), then a reload: 10 clients connected across it get
#     only well-formed JSON, every frame whole, ticks rising, until their
#     close 1001; the new workers serve the new archive
#   - the same in a zone that holds one copy of the session but not two
#     (1500k): the reload is refused, the error log naming the size
#     needed; the running session goes on (its clients keep getting
#     frames, info answers)
#   - 50 reloads while 10 clients connect and leave continuously (each
#     handshake in two writes up to 40 ms apart, so that many finish while
#     a worker shuts down): no "open socket ... left in connection" alert;
#     every client that got 101 was sent a close frame or was still served
#     when it left, never a bare end of the stream (a handshake reaching a
#     worker that shuts down gets 503)
#
# Every nginx is stopped by its pid and must exit cleanly with nothing at
# [error] or worse (but the refusal), nor a sanitizer report, in its logs.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir fixture nginx_prefix nginx_start nginx_stop
                 bad_log_lines log_lines free_port time_limit);
use IO::Socket::INET;

my $data = data_dir();
my $baku = "$data/2018-azerbaijan-grand-prix-race";
my $python = '/usr/bin/python3';

plan(skip_all => "recorded sessions not found in $data") unless -d $baku;
plan(skip_all => 'python3 not installed') unless -x $python;

time_limit(90);

# a copy of an archive that the test may change
sub copy_archive {
    my ($from) = @_;

    my $dir = tempdir('f1-archive-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    system("cp '$from'/*.jsonStream '$dir'/") == 0 or die "cp $from";
    chmod 0755, $dir;
    chmod 0644, glob "$dir/*";

    return $dir;
}

# an nginx master on the archive; the results of hostile_check.py MODE
# (its arguments with PIDFILE, ERRORLOG and ARCHIVE filled in), nginx's
# exit and logs checked but for the lines expected
sub run {
    my (%o) = @_;

    my $port = free_port();
    my $prefix = nginx_prefix(<<"END", master => 1);
    f1_replay_session s path=$o{archive} zone=s:$o{zone};
    server {
        listen 127.0.0.1:$port;
        location = /ws {
            f1_replay s;
        }
        location = /info {
            f1_replay_info s;
        }
    }
END

    my %path = (PIDFILE => "$prefix/logs/nginx.pid",
                ERRORLOG => "$prefix/logs/error.log",
                ARCHIVE => $o{archive});
    my @args = map { $path{$_} // $_ } @{$o{args}};

    my $pid = nginx_start($prefix);
    my $out = `$python $FindBin::Bin/hostile_check.py $o{mode} 127.0.0.1 $port @args 2>&1`;
    my $rc = $? >> 8;
    my ($json) = $out =~ /^(\{.*\})$/m;

    ok($rc == 0 && $json, $o{name}) or diag($out);

    is(nginx_stop($pid) >> 8, 0, '... nginx exits cleanly');
    my $expected = $o{expected} || qr/^$/;
    my @bad = grep { !/$expected/ } bad_log_lines($prefix);
    is(scalar @bad, 0, '... no [error] or worse, no sanitizer report')
        or diag(@bad);

    return $json ? decode_json($json) : {};
}

my $r;

$r = run(name => 'a changed archive reloaded: 10 clients get whole, '
                 . 'rising frames until their 1001; the new archive served',
         mode => 'reload', args => [qw(PIDFILE ARCHIVE 10)],
         archive => copy_archive($baku), zone => '4m');

$r = run(name => 'a zone too small for two copies: the reload refused with '
                 . 'the size needed, the session goes on',
         mode => 'refused', args => [qw(PIDFILE ARCHIVE ERRORLOG 10)],
         archive => copy_archive($baku), zone => '1500k',
         expected => qr/\[emerg\] .*f1_replay_session "s": zone "s" is too small: the session needs \d+ bytes beside the running one and its counters \d+, the zone has \d+; make it at least \d+m$/);
note("refused: $r->{refusal}") if $r->{refusal};

$r = run(name => '50 reloads under churn: no alert, never a bare end of the '
                 . 'stream after 101',
         mode => 'churn', args => [qw(PIDFILE ERRORLOG 50 10)],
         archive => fixture(), zone => '1m');
note("$r->{upgraded} clients upgraded, $r->{closed_1001} closed with 1001, "
     . "$r->{refused} refused with 503, $r->{dropped} closed before an "
     . "answer") if $r->{upgraded};

# two reloads with a changed archive while a worker of the first
# configuration still runs (held by a request body that never comes): the
# second would free the block that worker reads; it is refused until the
# worker has exited

{
    my $archive = copy_archive($baku);
    my $port = free_port();
    my $prefix = nginx_prefix(<<"END", master => 1);
    f1_replay_session s path=$archive zone=s:4m;
    client_body_timeout 60s;
    server {
        listen 127.0.0.1:$port;
        location = /info {
            f1_replay_info s;
        }
        location /control/ {
            f1_replay_control s;
        }
    }
END

    my $pid = nginx_start($prefix);

    my $hold = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
        or die "connect: $!";
    print $hold "POST /control/ HTTP/1.1\r\nHost: x\r\n"
                . "Content-Length: 100\r\n\r\n{";
    sleep 1;

    my @first = F1Fixture::children($pid);

    sub change_and_reload {
        my ($master, $dir) = @_;

        open my $fh, '>>', "$dir/SessionStatus.jsonStream" or die;
        print $fh "\r\n";
        close $fh;
        kill 'HUP', $master;
        sleep 2;
    }

    change_and_reload($pid, $archive);
    my @running = grep { kill 0, $_ } @first;
    is(scalar @running, 1, 'a reload with a changed archive: one worker of '
       . 'the first configuration still runs (its request unfinished)');

    change_and_reload($pid, $archive);
    my @lines = log_lines($prefix, qr/still reads the session it loaded/);
    like($lines[0] // '', qr/\[emerg\] .*f1_replay_session "s": a worker of the configuration before the last \(pid $running[0]\) still reads the session it loaded; reload again once it has exited/,
         '... a second one is refused, naming that worker');
    like(`curl -s -m 5 http://127.0.0.1:$port/info`, qr/^\{"meeting":/,
         '... and the session is still served');

    close $hold;
    sleep 1;
    ok(!kill(0, $running[0]), '... the worker exits with its request');

    my $before = () = log_lines($prefix, qr/\[emerg\]/);
    change_and_reload($pid, $archive);
    my $after = () = log_lines($prefix, qr/\[emerg\]/);
    is($after, $before, '... then the reload is taken');
    is(scalar(log_lines($prefix, qr/f1_replay_session "s": loaded /)), 3,
       '... and loads the archive (at the start, the first reload and '
       . 'this one)');

    is(nginx_stop($pid) >> 8, 0, '... nginx exits cleanly');
    my @bad = grep { !/still reads the session it loaded/ }
              bad_log_lines($prefix);
    is(scalar @bad, 0, '... no other [error] or worse, no sanitizer report')
        or diag(@bad);
}

done_testing();
