# A test fails, it never hangs; two runs on one machine never meet.
#
#   - a test script that dies, is killed or runs past its wall-clock
#     limit (F1Fixture::time_limit) ends at once, and the nginx it started
#     (F1Fixture::nginx_start) is gone: nginx never holds the test's output
#     pipe, where prove would wait for it forever;
#   - the same for a block file under our runner (t/lib);
#   - nginx_start refuses a port another server listens on, instead of
#     leaving the test talking to that server; our runner fails at once on
#     a port in use;
#   - without port variables our runner picks a free port: two runs of a
#     file at once both pass;
#   - two runs starting nginx on one port with "reuseport" at the same
#     instant (where a second bind succeeds without a word) never both go
#     on: nginx_start fails at once when another server listens there.
#
# Each case runs a small script in a child (F1Fixture::run_bounded), the
# scripts' own limits far below the bound given to the child.

use strict;
use warnings;

use Cwd ();
use File::Temp ();
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(free_port run_bounded);
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

$ENV{TEST_NGINX_BINARY} ||= 'nginx';
delete @ENV{qw(TEST_NGINX_SERVER_PORT TEST_NGINX_PORT TEST_NGINX_SERVROOT
               TEST_NGINX_RANDOMIZE TEST_NGINX_NO_CLEAN F1_REPLAY_TIME_FACTOR
               TEST_NGINX_USE_VALGRIND TEST_NGINX_USE_HUP)};

my $t = $FindBin::Bin;
my $tlib = Cwd::abs_path("$t/lib");
my $tmp = File::Temp->newdir('hang-port-XXXXXX', TMPDIR => 1);
my $n = 0;

sub script {
    my ($text) = @_;

    my $file = "$tmp/case" . ++$n . '.t';
    open my $fh, '>', $file or die "$file: $!";
    print $fh "use strict;\nuse warnings;\nuse lib '$t';\n", $text;
    close $fh;

    return $file;
}

# an nginx master with a worker, started by F1Fixture, its pid printed
my $start = <<'EOS';
use F1Fixture qw(nginx_prefix nginx_start free_port);
$| = 1;
my $port = free_port();
my $prefix = nginx_prefix(<<"END", master => 1);
    server {
        listen 127.0.0.1:$port;
        location / { return 200; }
    }
END
my $pid = nginx_start($prefix);
F1Fixture::wait_port($port) or die "nginx did not start\n";
print "nginx $pid\n";
EOS

sub gone {
    my ($pid) = @_;

    for (1 .. 50) {
        return 1 unless kill 0, $pid;
        sleep 0.1;
    }

    return 0;
}

# what a test left running is not left to others: the master and its
# workers, by pid
sub reap_left {
    my ($pid) = @_;

    return unless $pid && kill 0, $pid;
    kill 'KILL', $pid, F1Fixture::children($pid);
}

# however it ended: the pipe closed at once, a failure, nginx gone
sub ended {
    my ($what, $r, $within) = @_;

    ok(!$r->{timed_out} && $r->{secs} < $within,
       "$what: the test ended within $within s")
        or diag(sprintf "%.1f s, output:\n%s", $r->{secs}, $r->{out});
    isnt($r->{status}, 0, "$what: and failed");

    my ($pid) = $r->{out} =~ /^nginx (\d+)$/m;
    ok($pid && gone($pid), "$what: its nginx is gone")
        or diag("output:\n$r->{out}");
    reap_left($pid);
}


# --- a dying test, a killed test, a test past its limit

ended('a script that dies after starting nginx',
      run_bounded(20, $^X, script("$start\ndie \"on purpose\\n\";\n")), 10);

{
    my $file = script("$start\nsleep 60;\n");
    my $r = run_bounded(20, 'sh', '-c', "$^X $file & p=\$!; sleep 2; "
                                        . "kill -TERM \$p; wait \$p");
    ended('a script killed (SIGTERM) while nginx runs', $r, 10);
}

{
    my $r = run_bounded(30, $^X, script("use F1Fixture;\n"
                                        . "F1Fixture::time_limit(2);\n"
                                        . "$start\n`sleep 60`;\n"));
    ended('a script past its wall-clock limit', $r, 10);
    like($r->{out}, qr/^not ok .*wall-clock limit of 2 s reached/m,
         '... saying so');
}

# a block file under our runner, past its limit in a long request
{
    my $file = script(<<'EOS');
use Test::Nginx::Socket 'no_plan';
use F1Fixture;
F1Fixture::time_limit(2);
run_tests();

__DATA__

=== TEST 1: a request that takes half a minute
--- config
    location = /t { return 200; }
--- raw_request eval
["GET /t HTTP/1.1\r\n", "Host: localhost\r\nConnection: close\r\n\r\n"]
--- raw_request_middle_delay: 30
--- timeout: 40
EOS
    local $ENV{TEST_NGINX_SERVROOT} = "$tmp/servroot-limit";
    my $r = run_bounded(30, $^X, '-I', $tlib, $file);
    ok(!$r->{timed_out} && $r->{secs} < 10,
       'a block file past its limit: ended within 10 s')
        or diag(sprintf "%.1f s, output:\n%s", $r->{secs}, $r->{out});
    like($r->{out}, qr/^not ok .*wall-clock limit of 2 s reached/m,
         '... failing, saying so');

    # its pid from the log ("[notice] PID#TID: ..."): the pid file goes
    # with nginx
    my ($pid) = (`cat $tmp/servroot-limit/logs/error.log` =~ /\] (\d+)#/);
    ok($pid && gone($pid), '... its nginx is gone');
    reap_left($pid);
}


# --- ports

# a server of someone else's on the port
my $other = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 5, ReuseAddr => 1)
    or die "listen: $!";
my $taken = $other->sockport;

{
    my $r = run_bounded(30, $^X, script(<<"EOS"));
use F1Fixture qw(nginx_prefix nginx_start);
my \$prefix = nginx_prefix(<<"END");
    server {
        listen 127.0.0.1:$taken;
        location / { return 200; }
    }
END
nginx_start(\$prefix);
print "started\\n";
EOS
    ok($r->{status} != 0 && $r->{out} =~ /port $taken is in use/
       && $r->{out} !~ /^started/m && $r->{secs} < 5,
       'nginx_start on a port in use: dies at once, saying so')
        or diag(sprintf "%.1f s, output:\n%s", $r->{secs}, $r->{out});
}

my $block = script(<<'EOS');
use Test::Nginx::Socket 'no_plan';
run_tests();

__DATA__

=== TEST 1: the port
--- config
    location = /t { return 200 "$server_port\n"; }
--- request
GET /t
--- response_body eval
"$ENV{TEST_NGINX_SERVER_PORT}\n"
EOS

{
    local $ENV{TEST_NGINX_SERVER_PORT} = $taken;
    local $ENV{TEST_NGINX_SERVROOT} = "$tmp/servroot-taken";
    my $r = run_bounded(30, $^X, '-I', $tlib, $block);
    ok($r->{status} != 0 && $r->{out} =~ /port $taken is in use/
       && $r->{secs} < 5, 'our runner on a port in use: fails at once')
        or diag(sprintf "%.1f s, output:\n%s", $r->{secs}, $r->{out});
}

close $other;

# two runs of one file at once, no port variables: each its own port
{
    my (@fh, %out);
    my $sel = IO::Select->new;

    for my $run (1, 2) {
        my $pid = open my $fh, '-|';
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            open STDERR, '>&', \*STDOUT;
            exec $^X, '-I', $tlib, $block or POSIX::_exit(127);
        }
        push @fh, $fh;
        $out{$fh} = '';
        $sel->add($fh);
    }

    my $deadline = time + 60;
    while ($sel->count && time < $deadline) {
        for my $fh ($sel->can_read($deadline - time)) {
            next if sysread $fh, $out{$fh}, 65536, length $out{$fh};
            $sel->remove($fh);
        }
    }

    my @status = map { close $_; $? } @fh;
    is_deeply(\@status, [0, 0], 'our runner, no port given: two runs of a '
                                . 'file at once both pass')
        or diag(join "\n---\n", values %out);
}


# --- reuseport

# two scripts start nginx on one free port with reuseport at the same
# instant: both find the port free, both bind it; at least one must fail
{
    my $port = free_port();
    my $at = time + 2;
    my $file = script(<<"EOS");
use F1Fixture qw(nginx_prefix nginx_start);
use Time::HiRes qw(sleep time);
\$| = 1;
my \$prefix = nginx_prefix(<<"END", master => 1);
    server {
        listen 127.0.0.1:$port reuseport;
        location / { return 200; }
    }
END
sleep($at - time) if $at > time;
nginx_start(\$prefix);
print "started\\n";
sleep 3;
EOS
    my @fh;
    for (1, 2) {
        my $pid = open my $fh, '-|';
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            open STDERR, '>&', \*STDOUT;
            exec $^X, $file or POSIX::_exit(127);
        }
        push @fh, $fh;
    }
    my @out = map { local $/; <$_> // '' } @fh;
    close $_ for @fh;

    my $started = grep { /^started$/m } @out;
    my $refused = grep { /port $port is in use/ } @out;
    ok($started < 2 && $refused >= 1, 'two nginx on one port through '
       . "reuseport: never both go on ($started started, $refused refused)")
        or diag(join "\n---\n", @out);
}

done_testing();
