package F1Fixture;

# Test helpers shared by the .t files (plain Perl, works under the real
# Test::Nginx and under the project's own runner alike):
#
#   data_dir()          the real recorded sessions: $TEST_NGINX_DATA, else
#                       $F1_REPLAY_DATA, else ../shared/data beside the repo;
#                       exported back as $TEST_NGINX_DATA for the configs
#   fixture(%topics)    a temporary archive: the hand-written topics of
#                       t/fixtures/patch (<Topic>.txt, so that no file in
#                       the repository looks like recorded data) as
#                       <Topic>.jsonStream, with topics replaced (Topic =>
#                       text) or removed (Topic => undef); returns its
#                       directory
#   fixture_named($name) the hand-written archives the tests share: "patch"
#                       (t/fixtures/patch as it is), "first_lap" (BBB stops
#                       before it completes its first lap), "no_timing"
#                       (no TimingData: stops from the stints only)
#   z_line($t, $json)   one .z line: time + JSON string of base64 raw DEFLATE
#   tools()             build/tools (f1-replay-inspect, unit tests)
#   ws_handshake($path, %headers)  a WebSocket opening handshake (the RFC's
#                       example key; headers override or add, undef drops)
#   ws_frame($opcode, $payload, %opt)  one masked client frame; opt fin => 0,
#                       rsv => bits, unmasked => 1, len => forced length
#   ws_close($code)     a masked close frame
#   ws_deflate($text)   permessage-deflate payload of a message (RFC 7692)
#   wait_port($port)    until 127.0.0.1:$port accepts (at most 60 s: a
#                       sanitizer nginx loads a session slowly)
#   free_port($n)       $n (default 1) ports nobody listens on (the kernel's
#                       choice for 127.0.0.1:0); tests take them unless told
#                       a port
#   nginx_prefix($http) a temporary nginx prefix with conf/nginx.conf for
#                       the plain-Perl tests that drive nginx themselves
#                       (nginx -t, reload): $TEST_NGINX_BINARY and
#                       $TEST_NGINX_LOAD_MODULES as Test::Nginx uses them
#   nginx_start($prefix) an nginx master on the prefix, in the foreground,
#                       once every port it listens on accepts; dies at once
#                       when a port is in use (before, or shared through
#                       reuseport after nginx binds it) or nginx exits;
#                       its pid
#   nginx_stop($pid)    SIGQUIT, then TERM and KILL (workers too) if it
#                       does not exit; the wait status
#   run_bounded($s, @cmd)  runs a command for at most $s seconds (TERM,
#                       then KILL); { out (stdout and stderr), status,
#                       secs, timed_out }
#   time_limit($s)      this file's wall-clock limit (default 300 s, times
#                       $F1_REPLAY_TIME_FACTOR for slow builds); past it the
#                       test fails and stops what it started
#
# However a test file ends (done, die, a signal, the limit), every nginx
# nginx_start() started is stopped by its pid, and nginx never holds the
# test's stdout or stderr: a dying test cannot leave prove waiting.

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Compress::Raw::Zlib;
use POSIX ();
use Time::HiRes ();

our @EXPORT_OK = qw(data_dir fixture fixture_named z_line tools nginx_prefix
                    nginx_binary nginx_start nginx_stop log_lines bad_log_lines
                    free_port run_bounded time_limit run_check ws_handshake
                    ws_frame ws_close ws_deflate wait_port);

my $t_dir = File::Spec->rel2abs(dirname(__FILE__));
my $root = dirname($t_dir);

sub data_dir {
    my $dir = $ENV{TEST_NGINX_DATA} || $ENV{F1_REPLAY_DATA}
              || "$root/../shared/data";

    $dir = File::Spec->rel2abs($dir);
    $ENV{TEST_NGINX_DATA} = $dir;

    return $dir;
}

sub tools {
    return $ENV{TEST_NGINX_TOOLS} || "$root/build/tools";
}

sub ws_handshake {
    my ($path, %h) = @_;

    my %hdr = (
        'Host'                  => 'localhost',
        'Upgrade'               => 'websocket',
        'Connection'            => 'Upgrade',
        'Sec-WebSocket-Key'     => 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version' => '13',
        %h,
    );
    my $method = delete $hdr{METHOD} // 'GET';
    my $version = delete $hdr{VERSION} // 'HTTP/1.1';

    return "$method $path $version\r\n"
           . join('', map { "$_: $hdr{$_}\r\n" }
                      grep { defined $hdr{$_} } sort keys %hdr)
           . "\r\n";
}

sub ws_frame {
    my ($opcode, $payload, %opt) = @_;

    my $len = $opt{len} // length $payload;
    my $b0 = (($opt{fin} // 1) ? 0x80 : 0) | (($opt{rsv} // 0) << 4)
             | $opcode;
    my $mask = $opt{unmasked} ? 0 : 0x80;
    my $hdr;

    if ($len < 126) {
        $hdr = pack('CC', $b0, $mask | $len);
    } elsif ($len < 65536) {
        $hdr = pack('CCn', $b0, $mask | 126, $len);
    } else {
        $hdr = pack('CCNN', $b0, $mask | 127, int($len / 2**32),
                    $len % 2**32);
    }

    return $hdr . $payload if $opt{unmasked};

    my $key = pack('C4', 0x37, 0xfa, 0x21, 0x3d);
    my $masked = $payload ^ substr($key x (int(length($payload) / 4) + 1),
                                   0, length $payload);

    return $hdr . $key . $masked;
}

sub ws_deflate {
    my ($text) = @_;

    my ($d, $status) = Compress::Raw::Zlib::Deflate->new(
        -WindowBits => -MAX_WBITS(), -AppendOutput => 1);
    die "deflate: $status" unless $status == Z_OK;

    my $out = '';
    $d->deflate($text, $out) == Z_OK or die 'deflate failed';
    $d->flush($out, Z_SYNC_FLUSH) == Z_OK or die 'deflate flush failed';

    return substr($out, 0, -4);
}

sub ws_close {
    my ($code) = @_;

    return ws_frame(0x8, defined $code ? pack('n', $code) : '');
}

sub wait_port {
    my ($port) = @_;

    require IO::Socket::INET;
    require Time::HiRes;

    for (1 .. 600) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 1);
        if ($s) {
            close $s;
            return 1;
        }
        Time::HiRes::sleep(0.1);
    }

    return 0;
}

sub nginx_binary {
    return $ENV{TEST_NGINX_BINARY} || 'nginx';
}

sub nginx_prefix {
    my ($http, %opt) = @_;

    my $dir = $opt{dir}
              || tempdir('f1-nginx-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $modules = join '', map { "load_module $_;\n" }
                           split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
    my $master = $opt{master} ? 'on' : 'off';

    mkdir "$dir/conf";
    mkdir "$dir/logs";

    open my $fh, '>', "$dir/conf/nginx.conf" or die "$dir: $!";
    print $fh <<"END";
${modules}daemon off;
master_process $master;
worker_processes 1;
error_log logs/error.log notice;
pid logs/nginx.pid;
events {
    worker_connections 64;
}
http {
    access_log off;
    client_body_temp_path logs/client_body;
    proxy_temp_path logs/proxy;
    fastcgi_temp_path logs/fastcgi;
    uwsgi_temp_path logs/uwsgi;
    scgi_temp_path logs/scgi;
$http
}
END
    close $fh;

    return $dir;
}

# $n distinct ports (held open together while they are chosen)
sub free_port {
    my ($n) = @_;

    my @socks = map {
        IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                              Proto => 'tcp', Listen => 1)
            or die "no free port on 127.0.0.1: $!\n";
    } 1 .. ($n // 1);
    my @ports = map { $_->sockport } @socks;

    close $_ for @socks;

    return wantarray ? @ports : $ports[0];
}

sub port_open {
    my ($port) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 1)
        or return 0;
    close $s;

    return 1;
}

# the inodes of the sockets listening on an IPv4 address and port (no
# address: the wildcard), from /proc/net/tcp
sub listeners {
    my ($addr, $port) = @_;

    my $local = sprintf '%s:%04X',
                        join('', map { sprintf '%02X', $_ }
                                 reverse split /\./, $addr // '0.0.0.0'),
                        $port;
    my @inodes;

    open my $fh, '<', '/proc/net/tcp' or return ();
    while (<$fh>) {
        my @f = split ' ';
        push @inodes, $f[9] if $f[1] eq $local && $f[3] eq '0A';
    }
    close $fh;

    return @inodes;
}

# the inodes of a process's sockets
sub sockets_of {
    my ($pid) = @_;

    opendir my $dh, "/proc/$pid/fd" or return ();
    my @inodes = map { (readlink("/proc/$pid/fd/$_") // '') =~ /^socket:\[(\d+)\]$/
                       ? $1 : () } readdir $dh;
    closedir $dh;

    return @inodes;
}

my $owner = $$;
my %started;            # nginx masters of this test, by pid

# an nginx master on a prefix, in the foreground, up; its pid
sub nginx_start {
    my ($prefix) = @_;

    open my $fh, '<', "$prefix/conf/nginx.conf" or die "$prefix: $!";
    my %addr = reverse do { local $/; <$fh> }
                       =~ /^\s*listen\s+(?:([\d.]+):)?(\d+)/mg;
    my @ports = keys %addr;
    close $fh;

    # another server there would answer our clients: stop now
    for my $port (@ports) {
        die "port $port is in use: another server listens on it (pick "
            . "another port, or stop that server)\n" if port_open($port);
    }

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        # nothing of prove's: nginx must never hold its pipe open
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$prefix/logs/stdout.log";
        open STDERR, '>', "$prefix/logs/stderr.log";
        { exec nginx_binary(), '-p', "$prefix/", '-c', 'conf/nginx.conf' }
        print STDERR "exec: $!\n";
        POSIX::_exit(127);
    }

    $started{$pid} = 1;

    # up when every port accepts; a port taken meanwhile makes nginx exit
    for (1 .. 600) {
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            delete $started{$pid};
            die "nginx exited at start (status $?): "
                . join('', log_lines($prefix, qr/\[(emerg|alert)\]/))
                . "see $prefix/logs\n";
        }

        next if grep { !port_open($_) } @ports;

        # "reuseport" lets a second server bind the same port without a
        # word: every socket listening there must be this nginx's
        my %ours = map { $_ => 1 } sockets_of($pid);
        for my $port (@ports) {
            next unless grep { !$ours{$_} } listeners($addr{$port}, $port);
            nginx_stop($pid);
            die "port $port is in use: another server listens on it too "
                . "(reuseport), stopped\n";
        }

        return $pid;

    } continue {
        Time::HiRes::sleep(0.1);
    }

    nginx_stop($pid);
    die "nginx did not listen within 60 s: see $prefix/logs\n";
}

# direct children of a process, from /proc
sub children {
    my ($ppid) = @_;

    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        close $fh;
        push @kids, $1 if $line =~ /^(\d+) .*\) \S (\d+) / && $2 == $ppid;
    }

    return @kids;
}

# QUIT and wait; what does not exit is terminated, workers too
sub nginx_stop {
    my ($pid, $grace) = @_;

    $grace //= 20;

    kill 'QUIT', $pid;

    for my $i (1 .. 10 * ($grace + 5)) {
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            delete $started{$pid};
            return $?;
        }

        if ($i == 10 * $grace) {
            kill 'TERM', $pid, children($pid);
        }

        Time::HiRes::sleep(0.1);
    }

    kill 'KILL', $pid, children($pid);
    waitpid($pid, 0);
    delete $started{$pid};

    return $?;
}

# however the test ends, its nginx; when a signal or the limit ends it,
# the other processes it started too (clients run through backticks);
# all by pid
sub stop_everything {
    my ($abrupt) = @_;

    return unless $$ == $owner;

    nginx_stop($_, 2) for keys %started;
    kill 'TERM', children($$) if $abrupt;
}

END {
    local $?;
    stop_everything();
}

sub run_bounded {
    my ($seconds, @cmd) = @_;

    require IO::Select;

    my $start = Time::HiRes::time();
    my $pid = open my $out, '-|';
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        { exec @cmd }
        POSIX::_exit(127);
    }

    my ($text, $timed_out) = ('', 0);
    my $sel = IO::Select->new($out);

    while (1) {
        my $left = $start + $seconds - Time::HiRes::time();

        if ($left <= 0) {
            $timed_out = 1;
            kill 'TERM', $pid;
            Time::HiRes::sleep(2);
            kill 'KILL', $pid;
            last;
        }

        next unless $sel->can_read($left);
        sysread($out, my $buf, 65536) or last;
        $text .= $buf;
    }

    # not close(): a process still holding the pipe would make it wait
    waitpid($pid, 0);

    return { out => $text, status => $?, timed_out => $timed_out,
             secs => Time::HiRes::time() - $start };
}

my $limit;

sub time_limit {
    my ($seconds) = @_;

    $limit = int($seconds * ($ENV{F1_REPLAY_TIME_FACTOR} || 1)) || 1;
    alarm $limit;
}

for my $sig (qw(INT TERM HUP)) {
    $SIG{$sig} = sub { stop_everything('abrupt'); exit 1 };
}

$SIG{ALRM} = sub {
    my $why = "wall-clock limit of $limit s reached: stopped";

    if (Test::More->can('builder')) {
        Test::More::fail($why);
    } else {
        print "not ok - $why\n";
    }

    stop_everything('abrupt');
    exit 1;
};

time_limit(300);

# the lines of the prefix's error log and nginx's stderr matching $re
# a check script (t/*_check.py): the test passes when it exits 0 and
# prints its results as one JSON line, which is returned (its output is
# shown otherwise)
sub run_check {
    my ($name, $cmd) = @_;

    my $out = `$cmd 2>&1`;
    my $rc = $? >> 8;
    my ($json) = $out =~ /^(\{.*\})$/m;

    Test::More::ok($rc == 0 && $json, $name) or Test::More::diag($out);

    return $json ? JSON::PP::decode_json($json) : {};
}

sub log_lines {
    my ($prefix, $re) = @_;

    my @lines;
    for my $f ("$prefix/logs/error.log", "$prefix/logs/stderr.log") {
        open my $fh, '<', $f or next;
        push @lines, grep { /$re/ } <$fh>;
        close $fh;
    }

    return @lines;
}

# [alert], [crit], [emerg], [error] and sanitizer lines
sub bad_log_lines {
    my ($prefix) = @_;

    return log_lines($prefix,
                     qr/\[(alert|crit|emerg|error)\]|Sanitizer|runtime error:/);
}

sub fixture {
    my (%topics) = @_;

    my $base = "$t_dir/fixtures/patch";
    my $dir = tempdir('f1-fixture-XXXXXX', TMPDIR => 1, CLEANUP => 1);

    chmod 0755, $dir;

    opendir my $dh, $base or die "$base: $!";
    for my $f (grep { /\.txt$/ } readdir $dh) {
        (my $topic = $f) =~ s/\.txt$/.jsonStream/;
        copy("$base/$f", "$dir/$topic") or die "copy $f: $!";
    }
    closedir $dh;

    while (my ($topic, $text) = each %topics) {
        my $file = "$dir/$topic.jsonStream";

        if (!defined $text) {
            unlink $file;
            next;
        }

        open my $fh, '>:raw', $file or die "$file: $!";
        print $fh $text;
        close $fh;
    }

    return $dir;
}

# a topic of t/fixtures/patch with more lines at its end
sub patch_topic {
    my ($name, @more) = @_;

    open my $fh, '<', "$t_dir/fixtures/patch/$name.txt" or die "$name: $!";
    local $/;
    my $text = <$fh>;
    close $fh;

    return $text . join('', map { "$_\r\n" } @more);
}

sub fixture_named {
    my ($name) = @_;

    return fixture() if $name eq 'patch';

    return fixture(TimingData => undef) if $name eq 'no_timing';

    die "unknown fixture $name" unless $name eq 'first_lap';

    return fixture(
        TimingData => patch_topic('TimingData',
            '00:00:50.000{"Lines":{"2":{"InPit":true}}}',
            '00:01:10.000{"Lines":{"2":{"InPit":false,"PitOut":true}}}',
            '00:01:12.000{"Lines":{"2":{"PitOut":false}}}'),
        TimingAppData => patch_topic('TimingAppData',
            '00:00:55.000{"Lines":{"2":{"Stints":{"1":{"Compound":"HARD",'
            . '"New":"true","TyresNotChanged":"0","TotalLaps":0,'
            . '"StartLaps":0}}}}}'));
}

sub z_line {
    my ($time, $json) = @_;

    my ($d, $status) = Compress::Raw::Zlib::Deflate->new(
        -WindowBits => -MAX_WBITS(), -AppendOutput => 1);
    die "deflate: $status" unless $status == Z_OK;

    my $out = '';
    $d->deflate($json, $out) == Z_OK or die "deflate failed";
    $d->flush($out) == Z_OK or die "deflate flush failed";

    return $time . '"' . encode_base64($out, '') . '"';
}

1;
