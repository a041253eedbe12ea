package Test::Nginx::Socket;

# A small, from-scratch stand-in for openresty's Test::Nginx::Socket, used
# only where the real one is not installed (the test command then adds
# "-I t/lib").  It reads the same block format through Test::Base and
# implements exactly the subset this project's t/*.t files use:
#
#   functions: run_tests workers master_on master_off repeat_each log_level
#              no_shuffle no_long_string env_to_nginx worker_connections
#              server_port html_dir server_root, $ServerPort
#   sections:  main_config http_config config request more_headers
#              raw_request raw_request_middle_delay timeout abort error_code
#              response_headers response_headers_like
#              raw_response_headers_like response_body response_body_like
#              error_log no_error_log shutdown_error_log
#              no_shutdown_error_log must_die wait skip_nginx
#   env:       TEST_NGINX_BINARY TEST_NGINX_LOAD_MODULES
#              TEST_NGINX_USE_VALGRIND TEST_NGINX_USE_HUP TEST_NGINX_NO_CLEAN
#              TEST_NGINX_SERVER_PORT TEST_NGINX_SERVROOT TEST_NGINX_TIMEOUT
#              TEST_NGINX_NO_SHUFFLE
#
# Unlike the real one it is strict by default: a block fails when nginx
# logged any [error], [alert], [crit] or [emerg] line (or a sanitizer report)
# that the block does not expect through --- error_log or --- must_die, when
# nginx does not exit cleanly on SIGQUIT, and under valgrind when valgrind
# reports an error or a definite leak.  nginx is started (daemon off) for
# every block and stopped after it, so exit-time reports belong to the block.
# TEST_NGINX_USE_HUP implies master_process on (reloads wait for the new
# workers through /proc, so Linux only).  No "user" directive: with a master
# run as root the workers are "nobody", so servroot, modules and data must be
# world-readable.  Under valgrind, nginx core's own exit-time leaks are
# suppressed (see core_suppressions), plus t/valgrind.suppress if present.

use strict;
use warnings;

use Cwd ();
use File::Path ();
use File::Spec ();
use IO::Select;
use IO::Socket::INET;
use List::Util qw(min max shuffle);
use POSIX ();
use Test::Base ();
use Test::Base::Filter ();
use Test::LongString ();
use Time::HiRes qw(sleep time);

our @ISA = ('Test::Base');

our @EXPORT = qw(
    run_tests workers master_on master_off repeat_each log_level no_shuffle
    no_long_string env_to_nginx worker_connections server_port html_dir
    server_root $ServerPort
);

our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                  || 1984;
our $ServRoot = File::Spec->rel2abs($ENV{TEST_NGINX_SERVROOT} || 't/servroot');
our $HtmlDir = "$ServRoot/html";

$ENV{TEST_NGINX_SERVER_PORT} = $ServerPort;
$ENV{TEST_NGINX_SERVROOT} = $ServRoot;
$ENV{TEST_NGINX_HTML_DIR} = $HtmlDir;

my $Binary = $ENV{TEST_NGINX_BINARY} || find_nginx();
my $UseValgrind = $ENV{TEST_NGINX_USE_VALGRIND};
my $UseHup = $ENV{TEST_NGINX_USE_HUP};
my $NoClean = $ENV{TEST_NGINX_NO_CLEAN};
my $DefaultTimeout = $ENV{TEST_NGINX_TIMEOUT} || ($UseValgrind ? 15 : 3);
my $StartLimit = $UseValgrind ? 60 : 10;     # seconds to come up
my $StopLimit = $UseValgrind ? 60 : 10;      # seconds to exit on SIGQUIT

my ($Workers, $MasterProcess, $RepeatEach, $LogLevel) = (1, 'off', 1, 'debug');
my ($WorkerConnections, $Shuffle, $NoLongString) = (1024, 1, 0);
my @EnvToNginx;
my $NginxPid;           # the nginx (or valgrind) process we forked
my $OwnerPid = $$;

my $ErrorRe = qr/\[(error|alert|crit|emerg)\]/;
my $SanitizerRe = qr/AddressSanitizer|LeakSanitizer|runtime error:/;

sub workers { $Workers = shift }
sub master_on { $MasterProcess = 'on' }
sub master_off { $MasterProcess = 'off' }
sub repeat_each { $RepeatEach = shift if @_; $RepeatEach }
sub log_level { $LogLevel = shift }
sub no_shuffle { $Shuffle = 0 }
sub no_long_string { $NoLongString = 1 }
sub env_to_nginx { push @EnvToNginx, @_ }
sub worker_connections { $WorkerConnections = shift }
sub server_port { $ServerPort }
sub html_dir { $HtmlDir }
sub server_root { $ServRoot }

# Test::Base's "eval" filter turns a Perl error into the section's value;
# fail loudly instead.
{
    package Test::Nginx::Socket::Filter;
    our @ISA = ('Test::Base::Filter');

    sub eval {
        my ($self, $code) = @_;
        my @v = CORE::eval($code);
        die "eval of section failed: $@" if $@;
        return @v;
    }
}


sub run_tests {
    Test::More::plan('no_plan') unless Test::More->builder->has_plan;
    local $SIG{PIPE} = 'IGNORE';
    local $SIG{INT} = local $SIG{TERM} = sub { kill_nginx(); exit 1 };

    prepare_servroot();
    Test::Base::filters_delay();
    my @blocks = Test::Base::blocks();
    @blocks = shuffle(@blocks) if $Shuffle && !$ENV{TEST_NGINX_NO_SHUFFLE};

    for my $i (0 .. $#blocks) {
        my $block = $blocks[$i];
        my $name = $block->name;
        unless ($block->is_filtered || eval { $block->run_filters; 1 }) {
            Test::More::fail("$name - " . ($@ =~ s/\s+\z//r));
            next;
        }
        for my $rep (1 .. $RepeatEach) {
            my $tag = $RepeatEach > 1 ? "$name (repeat $rep)" : $name;
            my $last = $i == $#blocks && $rep == $RepeatEach;
            run_block($block, $tag, $last);
        }
    }

    # HUP mode keeps nginx running between blocks: check its final exit too
    if ($NginxPid && !$NoClean) {
        my $mark = log_mark();
        stop_checked('final shutdown');
        check_logs(undef, 'final shutdown', $mark, undef);
    }
}


sub run_block {
    my ($block, $name, $last) = @_;

    return if skip_by_version($block, $name);

    my $conf = eval { make_config($block, $name) };
    unless (defined $conf) {
        Test::More::fail("$name - config: $@");
        return;
    }

    my $must_die = defined $block->must_die;
    my $stop = !$UseHup || $must_die || defined $block->shutdown_error_log
               || defined $block->no_shutdown_error_log;
    $stop = 0 if $last && $NoClean;

    my $mark = log_mark();
    if ($must_die) {
        check_must_die($block, $name, $conf);
    } else {
        my ($ok, $why) = bring_up($conf);
        if ($ok) {
            run_request($block, $name);
        } else {
            Test::More::fail("$name - nginx is up");
            Test::More::diag($why, tail(log_text($mark)));
        }
    }

    sleep $block->wait if $block->wait;

    my $shutdown;
    if ($stop && $NginxPid) {
        my $smark = log_mark();
        stop_checked($name);
        $shutdown = log_text($smark);
    }
    check_logs($block, $name, $mark, $shutdown);
}


# nginx must fail to start; its exit code must match a non-empty must_die
sub check_must_die {
    my ($block, $name, $conf) = @_;

    stop_checked($name) if $NginxPid;   # HUP mode: start from cold
    my ($state, $status) = start_nginx($conf);

    # a config may pass parsing and fail later: give it a moment to die
    my $grace = time + ($UseValgrind ? 5 : 1);
    while ($state eq 'up' && time <= $grace) {
        ($state, $status) = ('exited', $?) if reap();
        sleep 0.05;
    }

    my $want = $block->must_die;
    if ($state ne 'exited') {
        Test::More::fail("$name - nginx must die");
        Test::More::diag("nginx did not exit: $state");
        stop_nginx();
    } elsif (defined $want && $want =~ /^\d+$/) {
        Test::More::is($status >> 8, $want, "$name - nginx must die with $want");
    } else {
        Test::More::ok($status != 0, "$name - nginx must die")
            or Test::More::diag("nginx exited with status 0");
    }
}


# cold start, or with TEST_NGINX_USE_HUP a reload of the running nginx
sub bring_up {
    my $conf = shift;

    return reload_nginx($conf) if $UseHup && $NginxPid;
    stop_checked('previous block') if $NginxPid;

    my ($state, $status) = start_nginx($conf);
    return 1 if $state eq 'up';
    return (0, $state eq 'exited' ? 'nginx exited: ' . describe($status)
                                  : "nginx is not up: $state");
}


sub start_nginx {
    my $conf = shift;

    write_file("$ServRoot/conf/nginx.conf", $conf);
    return ("port $ServerPort is already in use (a stale nginx? see "
            . "$ServRoot/logs/nginx.pid)") if port_open();

    my @cmd = ($Binary, '-p', "$ServRoot/", '-c', 'conf/nginx.conf');
    if ($UseValgrind) {
        write_file("$ServRoot/conf/nginx-core.supp", core_suppressions());
        my @supp = map { '--suppressions=' . File::Spec->rel2abs($_) }
                   "$ServRoot/conf/nginx-core.supp",
                   grep { -f } 't/valgrind.suppress';
        unshift @cmd, 'valgrind', '--tool=memcheck', '--leak-check=full',
            '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
            '--error-exitcode=99', '--num-callers=30', '--log-fd=3', @supp;
    }

    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$ServRoot/logs/stderr.log";
        open STDERR, '>&', \*STDOUT;
        if ($UseValgrind) {         # appended to, unlike --log-file
            open my $vg, '>>', "$ServRoot/logs/valgrind.log" or die $!;
            POSIX::dup2(fileno $vg, 3) or die $!;
        }
        { exec { $cmd[0] } @cmd }
        print STDERR "exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }
    $NginxPid = $pid;

    my $deadline = time + $StartLimit;
    while (time < $deadline) {
        return ('exited', $?) if reap();
        return 'up' if port_open();
        sleep 0.05;
    }
    return "not listening after ${StartLimit}s";
}


# HUP reload: wait until every old worker is gone and the new ones run
sub reload_nginx {
    my $conf = shift;

    write_file("$ServRoot/conf/nginx.conf", $conf);
    my %old = map { $_ => 1 } children($NginxPid);
    my $log = "$ServRoot/logs/error.log";
    my $from = -s $log || 0;
    kill HUP => $NginxPid;

    my $deadline = time + $StartLimit;
    while (time < $deadline) {
        return (0, 'nginx exited on reload: ' . describe($?)) if reap();
        my @emerg = grep { /\[emerg\]/ } split /\n/, read_from($log, $from);
        return (0, join "\n", 'reload failed:', @emerg) if @emerg;
        my @kids = children($NginxPid);
        my $new = grep { !$old{$_} } @kids;
        return 1 if $new >= $Workers && !grep { $old{$_} } @kids;
        sleep 0.05;
    }
    return (0, "reload did not complete in ${StartLimit}s");
}


# SIGQUIT, resent every second (valgrind can miss it), SIGKILL at the limit
sub stop_nginx {
    return 1 unless $NginxPid;
    my $pid = $NginxPid;
    my ($start, $sent) = (time, 0);

    until (reap()) {
        if (time - $start > $StopLimit) {
            kill_nginx();
            return (0, "nginx did not exit within ${StopLimit}s of SIGQUIT");
        }
        if (time - $sent >= 1) {
            kill QUIT => $pid;
            $sent = time;
        }
        sleep 0.02;
    }
    return $? == 0 ? 1 : (0, 'nginx exited: ' . describe($?));
}


sub stop_checked {
    my $name = shift;
    my ($ok, $why) = stop_nginx();
    Test::More::ok($ok, "$name - nginx exits cleanly") or Test::More::diag($why);
}


# last resort, also for END and signals: our nginx and its workers only
sub kill_nginx {
    return unless $NginxPid;
    kill KILL => $NginxPid, children($NginxPid);
    waitpid $NginxPid, 0;
    $NginxPid = undef;
}


sub reap {
    return 0 unless $NginxPid;
    my $r = waitpid $NginxPid, POSIX::WNOHANG();
    return 0 if $r == 0;
    $NginxPid = undef;
    return 1;
}


# state and parent of a process, from /proc/PID/stat
sub proc_stat {
    my $line = read_from("/proc/$_[0]/stat", 0);
    return substr($line, rindex($line, ')') + 2) =~ /^(\S) (\d+)/;
}


sub alive {
    my ($state) = proc_stat(shift);
    return defined $state && $state ne 'Z';
}


sub children {
    my $ppid = shift;
    return grep {
        my ($state, $parent) = proc_stat($_);
        defined $state && $state ne 'Z' && $parent == $ppid;
    } map { m{^/proc/(\d+)$} } glob '/proc/[0-9]*';
}


sub describe {
    my $st = shift;
    return 'signal ' . ($st & 127) . ($st & 128 ? ' (core dumped)' : '')
        if $st & 127;
    my $code = $st >> 8;
    return "exit code $code" . ($code == 99 && $UseValgrind
                                ? ' (valgrind errors)' : '');
}


# what nginx itself leaks at exit (the worker's connections array, its copy
# of the environment) or after a rejected configuration (main's init pool);
# the "obj:" variant is for binaries whose static functions have no symbols
sub core_suppressions {
    my $obj = 'obj:' . (Cwd::abs_path($Binary) // $Binary);
    return <<"EOS";
{
   nginx-core-environment
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_set_environment
}
{
   nginx-core-worker-connections
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_event_process_init
}
{
   nginx-core-worker-connections-stripped
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   $obj
   $obj
   $obj
   fun:ngx_spawn_process
}
{
   nginx-core-rejected-config
   Memcheck:Leak
   match-leak-kinds: definite
   ...
   fun:ngx_memalign
   fun:ngx_create_pool
   fun:main
}
EOS
}


sub make_config {
    my ($block, $name) = @_;

    my ($main, $http, $server) = map { expand_env($block->$_ // '') }
                                 qw(main_config http_config config);
    my $modules = join '', map { 'load_module ' . File::Spec->rel2abs($_) . ";\n" }
                           split ' ', $ENV{TEST_NGINX_LOAD_MODULES} // '';
    my $env = join '', map { "env $_;\n" } @EnvToNginx;
    my $master = $UseHup ? 'on' : $MasterProcess;

    return <<"EOC";
# generated by t/lib/Test/Nginx/Socket.pm for: $name
${modules}daemon off;
master_process $master;
worker_processes $Workers;
error_log logs/error.log $LogLevel;
pid logs/nginx.pid;
$env
$main

events {
    worker_connections $WorkerConnections;
}

http {
    access_log logs/access.log;
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    default_type text/plain;

$http

    server {
        listen 127.0.0.1:$ServerPort;
        server_name localhost;

$server
    }
}
EOC
}


sub expand_env {
    my $text = shift;
    $text =~ s{\$(TEST_NGINX_[A-Z0-9_]+)}{
        $ENV{$1} // die "environment variable $1 is not set\n"
    }ge;
    return $text;
}


sub run_request {
    my ($block, $name) = @_;
    my ($chunks, $head);

    if (defined(my $raw = $block->raw_request)) {
        $chunks = ref $raw eq 'ARRAY' ? $raw : [$raw];
        $head = $chunks->[0] =~ /^\s*HEAD\s/;
    } elsif (defined(my $req = $block->request)) {
        ($chunks, $head) = build_request($req, $block->more_headers);
    } else {
        return;
    }

    my $timeout = seconds($block->timeout) // $DefaultTimeout;
    my $delay = seconds($block->raw_request_middle_delay) // 0;
    my $x = exchange($chunks, $delay, $timeout);
    if ($x->{error}) {
        Test::More::fail("$name - $x->{error}");
        return;
    }
    if ($x->{timed_out} && !defined $block->abort) {
        Test::More::fail("$name - ERROR: client socket timed out "
                         . "(${timeout}s without I/O)");
    }

    my $res = parse_response($x->{raw}, $head);

    my $code = $block->error_code;
    unless (defined $code && $code eq '') {
        Test::More::is($res->{code}, $code // 200, "$name - status code ok");
    }

    for (lines($block->response_headers)) {
        my ($not, $key, $val) = /^\s*(!)?\s*([^:\s]+)\s*(?::\s*(.*?))?\s*$/
            or next;
        my $got = $res->{headers}{lc $key};
        if ($not || !defined $val || $val eq '') {
            Test::More::ok(!defined $got || (!$not && $got eq ''),
                           "$name - header $key absent")
                or Test::More::diag("got: $got");
        } else {
            Test::More::is($got, $val, "$name - header $key ok");
        }
    }

    for (lines($block->response_headers_like)) {
        my ($key, $re) = /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/ or next;
        Test::More::like($res->{headers}{lc $key} // '', qr/^(?:$re)$/,
                         "$name - header $key like ok");
    }

    if (defined(my $re = $block->raw_response_headers_like)) {
        $re = qr/$re/s unless ref $re eq 'Regexp';
        Test::More::like($res->{raw_headers} // '', $re,
                         "$name - raw response headers like ok");
    }

    if (defined(my $want = $block->response_body)) {
        if ($NoLongString) {
            Test::More::is($res->{body}, $want, "$name - response_body ok");
        } else {
            Test::LongString::is_string($res->{body}, $want,
                                        "$name - response_body ok");
        }
    }

    if (defined(my $re = $block->response_body_like)) {
        $re = qr/$re/s unless ref $re eq 'Regexp';
        Test::More::like($res->{body} // '', $re,
                         "$name - response_body_like ok");
    }
}


# "GET /t" plus an optional body on the following lines
sub build_request {
    my ($req, $more) = @_;

    $req =~ s/\A\s+//;
    my ($line, $body) = split /\n/, $req, 2;
    my ($method, $uri, $proto) = split ' ', $line;
    $proto //= 'HTTP/1.1';
    $body //= '';
    $body =~ s/\n\z//;

    my @h = map { s/^\s+|\s+$//gr } grep { /\S/ } split /\n/, $more // '';
    my $has = sub { my $n = shift; grep { /^\Q$n\E\s*:/i } @h };
    unshift @h, 'Host: localhost' unless $has->('Host');
    push @h, 'Connection: close'
        unless $has->('Connection') || $proto eq 'HTTP/1.0';
    push @h, 'Content-Length: ' . length $body
        if (length $body || $method =~ /^(?:POST|PUT|PATCH)$/)
           && !$has->('Content-Length') && !$has->('Transfer-Encoding');

    my $text = "$method $uri $proto\r\n" . join('', map { "$_\r\n" } @h)
               . "\r\n" . $body;
    return ([$text], $method eq 'HEAD');
}


# write the chunks (with a delay in between) while reading; every wait is
# bounded by the idle timeout
sub exchange {
    my ($chunks, $delay, $timeout) = @_;

    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ServerPort,
                                     Proto => 'tcp', Timeout => $timeout)
        or return { error => "connect to 127.0.0.1:$ServerPort: $!" };
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);

    my @todo = @$chunks;
    my ($buf, $wbuf, $timed_out) = ('', undef, 0);
    my ($next_write, $last_io) = (time, time);
    my $head = $chunks->[0] =~ /^\s*HEAD\s/;
    my $upgraded = 0;               # a 101 response ends by close or timeout

    while (1) {
        my $now = time;
        $wbuf = shift @todo if !defined $wbuf && @todo && $now >= $next_write;
        $upgraded ||= $buf =~ m{^HTTP/\d\.\d 101 };
        last if !defined $wbuf && !@todo && !$upgraded
                && parse_response($buf, $head)->{complete};

        my $wait = $timeout - ($now - $last_io);
        if ($wait <= 0) {
            $timed_out = 1;
            last;
        }
        $wait = min($wait, max(0, $next_write - $now))
            if !defined $wbuf && @todo;

        my ($r, $w) = IO::Select->select($sel, defined $wbuf ? $sel : undef,
                                         undef, $wait);
        if ($r && @$r) {
            my $n = sysread $sock, my $data, 65536;
            if ($n) {
                $buf .= $data;
                $last_io = time;
            } elsif (defined $n || !$!{EAGAIN}) {
                last;                           # closed or reset
            }
        }
        if ($w && @$w && defined $wbuf) {
            my $n = syswrite $sock, $wbuf;
            if (defined $n) {
                substr $wbuf, 0, $n, '';
                $last_io = time;
                if ($wbuf eq '') {
                    $wbuf = undef;
                    $next_write = time + $delay;
                }
            } elsif (!$!{EAGAIN}) {
                ($wbuf, @todo) = ();            # peer is gone: stop writing
            }
        }
    }

    close $sock;
    return { raw => $buf, timed_out => $timed_out };
}


# status, headers (lower-cased names, repeated ones joined by ", "), body;
# "complete" once the body is all there (never for 101: its body is the raw
# bytes after the headers)
sub parse_response {
    my ($raw, $head) = @_;

    my $end = index $raw, "\r\n\r\n";
    return { complete => 0 } if $end < 0;

    my ($status, @lines) = split /\r\n/, substr($raw, 0, $end);
    my $rest = substr $raw, $end + 4;
    my ($code) = $status =~ m{^HTTP/\d+\.\d+\s+(\d{3})};
    return parse_response($rest, $head)
        if defined $code && $code =~ /^1/ && $code != 101;

    my %h;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
        $h{lc $k} = defined $h{lc $k} ? "$h{lc $k}, $v" : $v;
    }

    my %res = (code => $code, headers => \%h,
               raw_headers => substr($raw, 0, $end + 4));
    my $te = $h{'transfer-encoding'} // '';
    my $len = $h{'content-length'};

    if (defined $code && $code == 101) {
        @res{qw(body complete)} = ($rest, 0);
    } elsif ($head || (defined $code && $code =~ /^(?:204|304)$/)) {
        @res{qw(body complete)} = ('', 1);
    } elsif ($te =~ /chunked/i) {
        @res{qw(body complete)} = dechunk($rest);
    } elsif (defined $len && $len =~ /^\d+$/) {
        @res{qw(body complete)} = (substr($rest, 0, $len), length $rest >= $len);
    } else {
        @res{qw(body complete)} = ($rest, 0);   # until the server closes
    }
    return \%res;
}


sub dechunk {
    my $data = shift;
    my ($body, $pos) = ('', 0);

    while ((my $eol = index $data, "\r\n", $pos) >= 0) {
        my ($size) = substr($data, $pos, $eol - $pos) =~ /^\s*([0-9a-fA-F]+)/
            or last;
        $size = hex $size;
        return ($body, index($data, "\r\n\r\n", $eol) >= 0) if $size == 0;
        last if length $data < $eol + 2 + $size + 2;
        $body .= substr $data, $eol + 2, $size;
        $pos = $eol + 2 + $size + 2;
    }
    return ($body, 0);
}


# error_log / no_error_log / shutdown_error_log, then the strict checks
sub check_logs {
    my ($block, $name, $mark, $shutdown) = @_;

    my @lines = split /\n/, log_text($mark);
    my %allowed;

    if ($block) {
        $allowed{emerg} = 1 if defined $block->must_die;

        for my $pat (patterns($block, 'error_log')) {
            my @hits = grep { matches($_, $pat) } @lines;
            Test::More::ok(scalar @hits,
                           "$name - pattern \"$pat\" matches a line in error.log");
            $allowed{$_} = 1 for map { /$ErrorRe/ ? $1 : () } @hits;
        }
        for my $pat (patterns($block, 'no_error_log')) {
            my @hits = grep { matches($_, $pat) } @lines;
            Test::More::ok(!@hits,
                "$name - pattern \"$pat\" matches no line in error.log")
                or Test::More::diag(tail(join "\n", @hits));
        }

        my @slines = split /\n/, $shutdown // '';
        for my $pat (patterns($block, 'shutdown_error_log')) {
            Test::More::ok(scalar(grep { matches($_, $pat) } @slines),
                "$name - pattern \"$pat\" matches a line logged at shutdown");
        }
        for my $pat (patterns($block, 'no_shutdown_error_log')) {
            Test::More::ok(!grep({ matches($_, $pat) } @slines),
                "$name - pattern \"$pat\" matches no line logged at shutdown");
        }
    }

    my @bad = grep {
        $_ =~ $SanitizerRe
        || ($_ =~ $ErrorRe && !$allowed{$1}
            && !/could not open error log file/)
    } @lines;
    Test::More::ok(!@bad, "$name - no unexpected [error]/[alert]/[crit]/"
                          . "[emerg]/sanitizer lines in the logs")
        or Test::More::diag(tail(join "\n", @bad));

    if ($UseValgrind) {
        my $vg = read_from("$ServRoot/logs/valgrind.log", $mark->{valgrind});
        my %bad = map { $_ => 1 } $vg =~ /^==(\d+)== ERROR SUMMARY: [1-9]/mg;
        Test::More::ok(!%bad, "$name - valgrind clean")
            or Test::More::diag(tail(join("\n", grep { /^==(\d+)==/ && $bad{$1} }
                                                split /\n/, $vg), 80));
    }
}


sub patterns {
    my ($block, $section) = @_;
    my @v = grep { defined } $block->$section;
    return @{ $v[0] } if @v == 1 && ref $v[0] eq 'ARRAY';
    return map { ref $_ ? $_ : lines($_) } @v;
}


sub lines { grep { /\S/ } map { s/\r\z//r } split /\n/, shift // '' }


sub matches {
    my ($line, $pat) = @_;
    return ref $pat eq 'Regexp' ? $line =~ $pat : index($line, $pat) >= 0;
}


# logs written from now on: error.log and stderr.log (valgrind.log apart)
sub log_mark {
    return { map { $_ => -s "$ServRoot/logs/$_.log" || 0 }
             qw(error stderr valgrind) };
}


sub log_text {
    my $mark = shift;
    return join '', map { read_from("$ServRoot/logs/$_.log", $mark->{$_}) }
                    qw(error stderr);
}


sub read_from {
    my ($file, $offset) = @_;
    open my $fh, '<', $file or return '';
    seek $fh, $offset // 0, 0;
    local $/;
    my $text = <$fh> // '';
    $text .= "\n" if length $text && $text !~ /\n\z/;
    return $text;
}


sub tail {
    my ($text, $n) = @_;
    my @l = split /\n/, $text // '';
    @l = @l[-($n || 30) .. -1] if @l > ($n || 30);
    return join '', map { "$_\n" } @l;
}


sub seconds {
    my $v = shift;
    return undef unless defined $v && $v =~ /^\s*([\d.]+)\s*(ms|s)?\s*$/;
    return ($2 // '') eq 'ms' ? $1 / 1000 : $1;
}


# --- skip_nginx: N: op version
sub skip_by_version {
    my ($block, $name) = @_;
    my $spec = $block->skip_nginx // return 0;

    my ($n, $op, $ver) = $spec =~ /^\s*(\d+)\s*:\s*(<=|>=|==|!=|<|>)\s*([\d.]+)/
        or do { Test::More::fail("$name - bad skip_nginx: $spec"); return 1 };
    my $have = nginx_version();
    my $cmp = vcmp($have, $ver);
    my %true = ('<' => $cmp < 0, '<=' => $cmp <= 0, '>' => $cmp > 0,
                '>=' => $cmp >= 0, '==' => $cmp == 0, '!=' => $cmp != 0);
    return 0 unless $true{$op};
    SKIP: { Test::More::skip("$name - nginx $have $op $ver", $n) }
    return 1;
}


sub nginx_version {
    my $out = qx{"$Binary" -v 2>&1};
    return $out =~ m{nginx/([\d.]+)} ? $1 : '0';
}


sub vcmp {
    my @a = split /\./, shift;
    my @b = split /\./, shift;
    while (@a || @b) {
        my $c = (shift(@a) // 0) <=> (shift(@b) // 0);
        return $c if $c;
    }
    return 0;
}


sub port_open {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $ServerPort,
                                  Proto => 'tcp', Timeout => 0.5)
        or return 0;
    close $s;
    return 1;
}


# start each test file from an empty servroot; a stale nginx of ours left by
# TEST_NGINX_NO_CLEAN (its command line names this servroot) is stopped
sub prepare_servroot {
    if (-d $ServRoot) {
        opendir my $dh, $ServRoot or die "$ServRoot: $!";
        my @entries = grep { !/^\.\.?$/ } readdir $dh;
        die "refusing to empty $ServRoot: it is not a servroot\n"
            if @entries && !-e "$ServRoot/conf/nginx.conf";

        if (open my $fh, '<', "$ServRoot/logs/nginx.pid") {
            my ($pid) = (<$fh> // '') =~ /(\d+)/;
            my $cmd = $pid ? read_from("/proc/$pid/cmdline", 0) : '';
            if (index($cmd, $ServRoot) >= 0) {
                kill QUIT => $pid;
                my $until = time + $StopLimit;
                sleep 0.05 while alive($pid) && time < $until;
                kill KILL => $pid, children($pid);
            }
        }
        File::Path::remove_tree($ServRoot);
    }
    File::Path::make_path(map { "$ServRoot/$_" } qw(conf logs html));
}


sub write_file {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh or die "$file: $!";
}


sub find_nginx {
    for my $dir (File::Spec->path, qw(/usr/sbin /usr/local/sbin
                                      /usr/local/nginx/sbin)) {
        return "$dir/nginx" if -x "$dir/nginx";
    }
    return 'nginx';
}


END {
    kill_nginx() if $$ == $OwnerPid && !$NoClean;
}

1;
