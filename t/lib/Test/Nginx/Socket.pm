package Test::Nginx::Socket;

# A small, from-scratch stand-in for openresty's Test::Nginx::Socket, used
# only where the real one is not installed (the test command then adds
# "-I t/lib").  It reads the same block format through Test::Base and
# follows the real runner's semantics for what this project's t/*.t files
# use, so that a block means the same under both:
#
#   functions: run_tests workers master_on master_off repeat_each
#              log_level no_shuffle no_long_string env_to_nginx
#              worker_connections no_root_location server_port html_dir
#              server_root
#   sections:  main_config http_config config request (a string, or an
#              array of requests) more_headers raw_request (a string, or
#              an array of writes) raw_request_middle_delay timeout abort
#              wait error_code response_headers response_headers_like
#              raw_response_headers_like response_body response_body_like
#              response_body_unlike error_log no_error_log
#              shutdown_error_log no_shutdown_error_log must_die
#              skip_nginx SKIP
#   env:       TEST_NGINX_BINARY TEST_NGINX_LOAD_MODULES
#              TEST_NGINX_SERVER_PORT TEST_NGINX_PORT TEST_NGINX_RANDOMIZE
#              TEST_NGINX_SERVROOT TEST_NGINX_TIMEOUT TEST_NGINX_NO_SHUFFLE
#              TEST_NGINX_NO_CLEAN TEST_NGINX_LOG_LEVEL
#              TEST_NGINX_MASTER_PROCESS TEST_NGINX_USE_VALGRIND
#              TEST_NGINX_USE_HUP; exported to the blocks:
#              TEST_NGINX_SERVER_PORT TEST_NGINX_SERVER_ROOT
#
# As the real one does: the server block gets a "location /" serving
# html/index.html unless the file calls no_root_location(); a response is
# read until the server closes the connection, and a client timeout
# (--- timeout, idle seconds, default 3) fails the block unless it has
# --- abort; only the first of response_headers and response_headers_like
# is checked; error_log and no_error_log look at logs/error.log only, the
# lines logged since the previous check (so --- wait matters), before
# nginx stops; shutdown_error_log, once nginx has stopped, at the lines no
# such check has read yet (with one, those logged while nginx stopped);
# load_module lines follow main_config.
#
# Where it deliberately differs (each a check the real runner lacks, or a
# way to fail fast instead of hanging or retrying):
#   - a block fails on any [error], [alert], [crit] or [emerg] line, or a
#     sanitizer report, in error.log or in nginx's stderr, that it does not
#     expect through --- error_log (or --- must_die for [emerg]); and when
#     nginx does not exit cleanly on SIGQUIT; under valgrind, on a
#     valgrind error or a definite leak;
#   - a block with both response_headers and response_headers_like fails
#     (the real runner silently ignores the second);
#   - a Perl error in an "eval" section fails the block;
#   - without TEST_NGINX_SERVER_PORT / TEST_NGINX_PORT it picks a free
#     port, as TEST_NGINX_RANDOMIZE does (the real one uses 1984), with the
#     servroot t/servroot_PORT, removed at the end; a port in use, or
#     nginx failing to start, fails the block at once (the real one
#     retries for 30 s, then bails out);
#   - nginx listens on 127.0.0.1 only and runs in the foreground (daemon
#     off) as a child, stopped after every block and, however the test
#     ends, by its pid (TERM, then KILL, workers too); its stdout and
#     stderr go to logs/stderr.log, so it never holds prove's pipe.
# TEST_NGINX_USE_HUP implies master_process on (reloads wait for the new
# workers through /proc, so Linux only).  Under valgrind, nginx core's own
# exit-time leaks are suppressed (see core_suppressions), plus
# t/valgrind.suppress if present.

use strict;
use warnings;

use Cwd ();
use File::Path ();
use File::Spec ();
use HTTP::Response;
use IO::Select;
use IO::Socket::INET;
use List::Util qw(min max shuffle);
use POSIX ();
use Scalar::Util qw(looks_like_number);
use Test::Base ();
use Test::Base::Filter ();
use Test::LongString ();
use Time::HiRes qw(sleep time);

our @ISA = ('Test::Base');

our @EXPORT = qw(
    run_tests workers master_on master_off repeat_each log_level no_shuffle
    no_long_string env_to_nginx worker_connections no_root_location
    server_port html_dir server_root
);

my $UseValgrind = $ENV{TEST_NGINX_USE_VALGRIND};
my $UseHup = $ENV{TEST_NGINX_USE_HUP};
my $NoClean = $ENV{TEST_NGINX_NO_CLEAN};
my $DefaultTimeout = $ENV{TEST_NGINX_TIMEOUT} || ($UseValgrind ? 15 : 3);
my $StartLimit = $UseValgrind ? 60 : 10;     # seconds to come up
my $StopLimit = $UseValgrind ? 60 : 10;      # seconds to exit on SIGQUIT

# a port of our own unless one is given: two runs on one machine never
# meet (TEST_NGINX_RANDOMIZE asks the real runner for the same)
my $Given = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT};
my $PickPort = $ENV{TEST_NGINX_RANDOMIZE} || !$Given;
my $ServerPort = $PickPort ? free_port() : $Given;
my $OwnServRoot = $ENV{TEST_NGINX_RANDOMIZE}
                  || ($PickPort && !$ENV{TEST_NGINX_SERVROOT});
my $ServRoot = File::Spec->rel2abs($OwnServRoot ? "t/servroot_$ServerPort"
                                   : $ENV{TEST_NGINX_SERVROOT}
                                     || 't/servroot');
my $HtmlDir = "$ServRoot/html";

$ENV{TEST_NGINX_SERVER_PORT} = $ServerPort;
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

my $Binary = $ENV{TEST_NGINX_BINARY} || 'nginx';
my ($Workers, $RepeatEach, $WorkerConnections) = (1, 1, 64);
my $LogLevel = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
my $MasterProcess = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
my $Shuffle = !$ENV{TEST_NGINX_NO_SHUFFLE};
my ($NoLongString, $NoRootLocation) = (0, 0);
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
sub no_root_location { $NoRootLocation = 1 }
sub worker_connections { $WorkerConnections = shift }
sub server_port { $ServerPort }
sub html_dir { $HtmlDir }
sub server_root { $ServRoot }

sub env_to_nginx {
    for (@_) {
        die "env_to_nginx: bad argument value: $_\n"
            if !/^[A-Za-z_]/ || /\n/;
        push @EnvToNginx, /\s/ ? "'$_'" : $_;
    }
}


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
    local $SIG{INT} = local $SIG{TERM} = local $SIG{HUP}
        = sub { kill_nginx(); exit 1 };

    check_binary();
    prepare_servroot();
    Test::Base::filters_delay();
    my @blocks = Test::Base::blocks();
    @blocks = shuffle(@blocks) if $Shuffle;

    for my $i (0 .. $#blocks) {
        my $block = $blocks[$i];
        my $name = "$0 " . $block->name;
        unless ($block->is_filtered || eval { $block->run_filters; 1 }) {
            Test::More::fail("$name - " . ($@ =~ s/\s+\z//r));
            next;
        }
        next if defined $block->SKIP;
        run_block($block, $name, $i == $#blocks);
    }

    # HUP mode keeps nginx running between blocks: check its final exit too
    if ($NginxPid && !$NoClean) {
        my $mark = log_mark();
        stop_checked('final shutdown');
        strict_check('final shutdown', $mark, {});
    }
}


sub run_block {
    my ($block, $name, $last) = @_;

    return if skip_by_version($block, $name);

    my $conf = make_config($block, $name) // return;
    my $mark = log_mark();
    my $pos = { error => $mark->{error} };     # where error_log reads on
    my %allowed;

    if (defined $block->must_die) {
        check_must_die($block, $name, $conf);
        check_error_log($block, $name, $pos, \%allowed);
        $allowed{emerg} = 1;
        strict_check($name, $mark, \%allowed);
        return;
    }

    my ($ok, $why) = bring_up($conf);
    if ($ok) {
        for (1 .. $RepeatEach) {
            run_requests($block, $name, $pos, \%allowed);
            sleep seconds($block->wait) if $block->wait;
            check_error_log($block, $name, $pos, \%allowed);
        }
    } else {
        Test::More::fail("$name - nginx is up");
        Test::More::diag($why, tail(log_text($mark)));
    }

    my $stop = !$UseHup || defined $block->shutdown_error_log;
    $stop = 0 if $last && $NoClean;
    if ($stop && $NginxPid) {
        stop_checked($name);
        check_shutdown_error_log($block, $name, $pos);
    }
    strict_check($name, $mark, \%allowed);
}


# nginx must fail to start; its exit code must match a numeric must_die
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
    } elsif (looks_like_number($want)) {
        Test::More::is($status >> 8, $want,
                       "$name - die with the expected exit code");
    } else {
        Test::More::ok($status != 0, "$name - die as expected")
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
    return ("port $ServerPort is in use: another server (a stale nginx?"
            . " see $ServRoot/logs/nginx.pid) listens on it") if port_open();

    my @cmd = ($Binary, '-p', "$ServRoot/", '-c', "$ServRoot/conf/nginx.conf");
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
        # nothing of prove's: nginx must never hold its pipe open
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


# SIGQUIT, resent every second (valgrind can miss it), killed at the limit
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


# last resort, also for END and signals: our nginx and its workers only,
# by pid; TERM first (a fast shutdown), KILL what is left after 5 s
sub kill_nginx {
    return unless $NginxPid;
    my @pids = ($NginxPid, children($NginxPid));
    kill TERM => @pids;
    my $until = time + 5;
    sleep 0.05 while !reap() && time < $until;
    kill KILL => grep { alive($_) } @pids;
    waitpid $NginxPid, 0 if $NginxPid;
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
    return $line =~ /\) (\S) (\d+) /;
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
    my $obj = 'obj:' . (Cwd::abs_path(which($Binary)) // $Binary);
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


# the real runner's nginx.conf, but in the foreground, on 127.0.0.1, and
# with our servroot's absolute paths
sub make_config {
    my ($block, $name) = @_;

    unless (defined $block->config) {
        Test::More::fail("$name - no --- config section (the real runner"
                         . " would reuse the previous block's nginx)");
        return undef;
    }
    my ($main, $http, $server) = map { expand_env($block->$_ // '', $name) }
                                 qw(main_config http_config config);
    my $modules = join '', map { "load_module $_;\n" }
                           split ' ', $ENV{TEST_NGINX_LOAD_MODULES} // '';
    my $env = join '', map { "env $_;\n" } @EnvToNginx;
    my $master = $UseHup ? 'on' : $MasterProcess;
    my $user = $> == 0 ? "user root;\n" : '';
    my $root = $NoRootLocation ? '' : <<"EOL";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
EOL

    return <<"EOC";
# generated by t/lib/Test/Nginx/Socket.pm for: $name
worker_processes $Workers;
daemon off;
master_process $master;
error_log $ServRoot/logs/error.log $LogLevel;
pid $ServRoot/logs/nginx.pid;
$env
$main
$modules

http {
    access_log $ServRoot/logs/access.log;
    default_type text/plain;
    keepalive_timeout 68;

$http

    server {
        listen 127.0.0.1:$ServerPort;
        server_name 'localhost';
        client_max_body_size 30M;

$server

$root    }
}

events {
    accept_mutex off;
    worker_connections $WorkerConnections;
}
$user
EOC
}


# $TEST_NGINX_* in a config section; an unset one stops the run, as the
# real runner does
sub expand_env {
    my ($text, $name) = @_;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        $ENV{$1} // Test::More::BAIL_OUT("$name - No environment $1 defined.")
    }ge;
    return $text;
}


# the requests of one repetition: each on its own connection; with more
# than one, every expectation is an array with one entry per request
sub run_requests {
    my ($block, $name, $pos, $allowed) = @_;

    my @reqs = requests($block, $name)
        or return Test::More::fail("$name - no --- request or --- raw_request");
    my $timeout = seconds($block->timeout) // $DefaultTimeout;
    my $delay = seconds($block->raw_request_middle_delay) // 0;

    for my $i (0 .. $#reqs) {
        my $x = exchange($reqs[$i], $delay, $timeout);
        if ($x->{error}) {
            Test::More::fail("$name - $x->{error}");
        } elsif ($x->{timed_out} && !defined $block->abort) {
            Test::More::fail("ERROR: client socket timed out - $name");
        }
        my $head = join('', @{ $reqs[$i] }) =~ /^\s*HEAD\s+/;
        my ($res, $raw_headers) = parse_response($name, $x->{raw} // '',
                                                 $head);
        check_response($block, $name, $res, $raw_headers, $i, @reqs > 1);

        if ($i < $#reqs) {
            sleep seconds($block->wait) if $block->wait;
            check_error_log($block, $name, $pos, $allowed);
        }
    }
}


# a list of requests, each a list of writes
sub requests {
    my ($block, $name) = @_;

    if (defined(my $raw = $block->raw_request)) {
        return [ref $raw eq 'ARRAY' ? @$raw : $raw];
    }
    my $req = $block->request;
    return () unless defined $req;

    my $more = $block->more_headers // '';
    my @list = ref $req eq 'ARRAY' ? @$req : ($req);
    return map {
        my $hdrs = ref $more eq 'ARRAY' ? $more->[$_] : $more;
        unless (defined $hdrs) {
            Test::More::fail("$name - --- more_headers lacks data for "
                             . "request $_");
            $hdrs = '';
        }
        [build_request($list[$_], $hdrs)];
    } 0 .. $#list;
}


# "GET /t" plus an optional body on the following lines, as the real
# runner builds it: Host and "Connection: close" unless given, the body
# trimmed, Content-Length for a non-empty body unless given or chunked
sub build_request {
    my ($req, $more) = @_;

    1 while $req =~ s/^\s*#[^\n]+\s+|^\s+//gs;
    my ($line, $body) = split /\n/, $req, 2;
    my ($method, $uri, $proto) = split ' ', $line;
    $uri //= '/';
    $proto //= 'HTTP/1.1';
    $body //= '';

    my ($hdrs, $chunked) = ('', 0);
    for (split /\n+/, $more) {
        next if /^\s*#/;
        my ($k, $v) = split /:\s*/, $_, 2;
        $v //= '';
        $chunked = 1 if lc $k eq 'transfer-encoding' && $v eq 'chunked';
        $hdrs .= "$k: $v\r\n";
    }

    my $len = '';
    if (!$chunked && $body ne '' && $hdrs !~ /(?:^|\n)Content-Length:/) {
        $body =~ s/^\s+|\s+$//gs;
        $len = 'Content-Length: ' . length($body) . "\r\n";
    }
    my $std = ($hdrs =~ /(?:^|\n)Host:/msi ? '' : "Host: localhost\r\n")
              . ($hdrs =~ /(?:^|\n)Connection/msi ? ''
                                                 : "Connection: close\r\n");

    return "$method $uri $proto\r\n$std$hdrs$len\r\n$body";
}


# write the chunks (with a delay in between) while reading until the
# server closes; every wait is bounded by the idle timeout
sub exchange {
    my ($chunks, $delay, $timeout) = @_;

    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ServerPort,
                                     Proto => 'tcp', Timeout => $timeout)
        or return { error => "can't connect to 127.0.0.1:$ServerPort: $!" };
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);

    my @todo = @$chunks;
    my ($buf, $wbuf, $timed_out) = ('', undef, 0);
    my ($next_write, $last_io) = (time, time);

    while (1) {
        my $now = time;
        $wbuf = shift @todo if !defined $wbuf && @todo && $now >= $next_write;

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


# HTTP::Response's parse, as the real runner does; the body of a chunked
# response decoded, one with Content-Length cut to it; a 101's "body" is
# whatever followed the headers
sub parse_response {
    my ($name, $raw, $head) = @_;

    my ($raw_headers) = $raw =~ /(.*?\r\n)\r\n/s;
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    $res->code(undef) if defined $code && $code !~ /^\d+$/;
    $code = $res->code;

    return ($res, $raw_headers // '') if $code && ($code == 101 || $code == 304);

    my $te = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $body = $res->content // '';

    if (defined $te && $te eq 'chunked') {
        my $decoded = dechunk($body);
        if (defined $decoded) {
            $res->content($decoded);
        } else {
            Test::More::fail("$name - invalid chunked body received");
        }
    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $body > $len) {
            $res->content(substr $body, 0, $len);
        } elsif (length $body < $len && !$head) {
            Test::More::diag("WARNING: $name - response body truncated: "
                             . "$len expected, but got " . length $body);
        }
    }
    return ($res, $raw_headers // '');
}


sub dechunk {
    my $data = shift;
    my $body = '';

    while ($data =~ /\G[ \t]*([0-9a-fA-F]+)[ \t]*\r\n/gc) {
        my $size = hex $1;
        return $body if $size == 0;
        return undef unless $data =~ /\G(.{$size})\r\n/gcs;
        $body .= $1;
    }
    return undef;
}


# error_code, response headers and body of request $i (of several, when
# $many: each expectation then an array)
sub check_response {
    my ($block, $name, $res, $raw_headers, $i, $many) = @_;

    my $pick = sub {
        my $v = shift;
        return $v unless defined $v;
        if ($many) {
            return $v->[$i] if ref $v eq 'ARRAY';
            Test::More::fail("$name - several requests: every expectation"
                             . " must be an array");
            return undef;
        }
        return ref $v eq 'ARRAY' ? $v->[0] : $v;
    };

    my $code = $pick->($block->error_code) // 200;
    Test::More::is($res->code || '', $code, "$name - status code ok");

    if (defined(my $re = $pick->($block->raw_response_headers_like))) {
        Test::More::like($raw_headers, qr/$re/s,
                         "$name - raw resp headers like");
    }

    my $headers = $pick->($block->response_headers);
    my $headers_like = $pick->($block->response_headers_like);
    if (defined $headers) {
        Test::More::fail("$name - response_headers_like is ignored where "
                         . "response_headers is given (as the real runner "
                         . "does): merge them") if defined $headers_like;
        for (header_lines($headers)) {
            my ($key, $val) = @$_;
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                    "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            Test::More::is($res->header($key) // '', $val,
                           "$name - header $key ok");
        }
    } elsif (defined $headers_like) {
        for (header_lines($headers_like)) {
            my ($key, $val) = @$_;
            Test::More::like($res->header($key) // '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }

    my $content = $res->content;
    if (defined(my $want = $pick->($block->response_body))) {
        if (ref $want) {
            Test::More::like($content, $want, "$name - response_body - like");
        } else {
            $want =~ s/\$ServerPort\b/$ServerPort/g;
            if ($NoLongString) {
                Test::More::is($content, $want, "$name - response_body ok");
            } else {
                Test::LongString::is_string($content, $want,
                                            "$name - response_body ok");
            }
        }
    } elsif (defined(my $like = $pick->($block->response_body_like))) {
        Test::More::like($content, qr/$like/s,
                         "$name - response_body_like ok");
    } elsif (defined(my $unlike = $pick->($block->response_body_unlike))) {
        Test::More::unlike($content, qr/$unlike/s,
                           "$name - response_body_unlike ok");
    }
}


# "Name: value" lines; "!Name" (or a bare "Name") means the header is absent
sub header_lines {
    return map {
        s/^\s+|\s+$//g;
        s/^!\s*// ? [$_, undef] : [split /\s*:\s*/, $_, 2];
    } grep { /\S/ } split /\n/, shift;
}


# error_log and no_error_log over the lines of logs/error.log since the
# previous check; levels of lines that error_log expects are allowed
sub check_error_log {
    my ($block, $name, $pos, $allowed) = @_;

    my @error = patterns($block->error_log);
    my @none = patterns($block->no_error_log);
    return unless @error || @none;

    my $file = "$ServRoot/logs/error.log";
    my $text = read_from($file, $pos->{error});
    $pos->{error} = -s $file || 0;
    my @lines = split /\n/, $text;

    for my $pat (@error) {
        my @hits = grep { matches($_, $pat) } @lines;
        Test::More::ok(scalar @hits,
                       "$name - pattern \"$pat\" matches a line in error.log");
        $allowed->{$_} = 1 for map { /$ErrorRe/ ? $1 : () } @hits;
    }
    for my $pat (@none) {
        my @hits = grep { matches($_, $pat) } @lines;
        Test::More::ok(!@hits, "$name - pattern \"$pat\" does not match a "
                               . "line in error.log")
            or Test::More::diag(tail(join "\n", @hits));
    }
}


# once nginx has stopped: the lines no error_log check has read yet (with
# one, those nginx logged while it stopped); no_shutdown_error_log counts
# only beside shutdown_error_log, as in the real runner
sub check_shutdown_error_log {
    my ($block, $name, $pos) = @_;

    my @want = patterns($block->shutdown_error_log) or return;
    my @lines = split /\n/, read_from("$ServRoot/logs/error.log",
                                      $pos->{error});

    for my $pat (@want) {
        Test::More::ok(scalar(grep { matches($_, $pat) } @lines),
            "$name - pattern \"$pat\" matches a line logged at shutdown");
    }
    for my $pat (patterns($block->no_shutdown_error_log)) {
        Test::More::ok(!grep({ matches($_, $pat) } @lines),
            "$name - pattern \"$pat\" matches no line logged at shutdown");
    }
}


# ours only: no unexpected [error]/[alert]/[crit]/[emerg] or sanitizer
# report in error.log and nginx's stderr, the block's whole life long
sub strict_check {
    my ($name, $mark, $allowed) = @_;

    my @bad = grep {
        $_ =~ $SanitizerRe
        || ($_ =~ $ErrorRe && !$allowed->{$1}
            && !/could not open error log file/)
    } split /\n/, log_text($mark);
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


# a section's patterns: lines (substrings), or an eval'd array or regex
sub patterns {
    my $v = shift;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return $v if ref $v;
    chomp $v;
    return split /\n+/, $v;
}


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


# "0.5", "500ms", "2s"
sub seconds {
    my $v = shift;
    return undef unless defined $v && $v =~ /^\s*([\d.]+)\s*(ms|s)?\s*$/;
    return ($2 // '') eq 'ms' ? $1 / 1000 : $1;
}


# --- skip_nginx: N: OP x.y.z[: reason], OP one of < <= > >=
sub skip_by_version {
    my ($block, $name) = @_;
    my $spec = $block->skip_nginx // return 0;

    my ($n, $op, $ver, $why) = $spec =~
        /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+\.\d+\.\d+)(?:\s*:\s*(.*?))?\s*$/
        or Test::More::BAIL_OUT("$name - Invalid --- skip_nginx spec: $spec");
    my $cmp = vcmp(nginx_version(), $ver);
    my %true = ('<' => $cmp < 0, '<=' => $cmp <= 0, '>' => $cmp > 0,
                '>=' => $cmp >= 0);
    return 0 unless $true{$op};
    SKIP: { Test::More::skip("$name - " . ($why || "nginx version $op $ver"),
                             $n) }
    return 1;
}


sub nginx_version {
    my $out = qx{"$Binary" -v 2>&1};
    return $out =~ m{/(\d+\.\d+\.\d+)} ? $1 : '0';
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


# a port nobody listens on now: the kernel's choice for 127.0.0.1:0
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "no free port on 127.0.0.1: $!\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}


sub which {
    my $cmd = shift;
    return $cmd if $cmd =~ m{/};
    for (File::Spec->path) {
        return "$_/$cmd" if -f "$_/$cmd" && -x _;
    }
    return undef;
}


sub check_binary {
    my $path = which($Binary);
    Test::More::BAIL_OUT("Cannot find the nginx executable \"$Binary\""
                         . ' (TEST_NGINX_BINARY)')
        unless defined $path && -f $path && -x $path;
}


# start each test file from an empty servroot with html/index.html; a
# stale nginx of ours left by TEST_NGINX_NO_CLEAN (its command line names
# this servroot) is stopped
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
    write_file("$HtmlDir/index.html", '<html><head><title>It works!</title>'
               . '</head><body>It works!</body></html>');
}


sub write_file {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh or die "$file: $!";
}


# a servroot of our own goes with a passing run; a failing one keeps its
# logs for a look
END {
    if ($$ == $OwnerPid && !$NoClean) {
        kill_nginx();
        File::Path::remove_tree($ServRoot)
            if $OwnServRoot && -d $ServRoot
               && Test::More->builder->is_passing;
    }
}

1;
