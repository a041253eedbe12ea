# vim:set ft= ts=4 sw=4 et:
# Self-test of our runner t/lib/Test/Nginx/Socket.pm: for each semantic of
# the real Test::Nginx::Socket the suite relies on, a correct block passes
# and a wrong one fails (for the right reason).  Each case is a temporary
# .t file run as "perl -I t/lib" in a child with its own servroot and a
# free port.  Where the real Test::Nginx is found on @INC (t/lib left out),
# every case runs under it too and must give the same verdict, except the
# checks only our runner makes (marked "ours"), whose verdict under the
# real runner is given as well.

use strict;
use warnings;

use Cwd ();
use File::Temp ();
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(free_port run_bounded);
use Test::More;

my $tlib = Cwd::abs_path("$FindBin::Bin/lib");
my %lib = (ours => $tlib);

# the real runner, where a plain "perl" (without t/lib) finds one
{
    my @inc = grep { !defined Cwd::abs_path($_)
                     || Cwd::abs_path($_) ne $tlib } @INC;
    local $ENV{PERL5LIB} = join ':', @inc;
    my $where = qx{$^X -e 'eval { require Test::Nginx::Socket };
                           print \$INC{"Test/Nginx/Socket.pm"} // ""'};
    $lib{real} = $1 if $where =~ m{^(.*)/Test/Nginx/Socket\.pm$};
}
diag("the real Test::Nginx::Socket: "
     . ($lib{real} ? "$lib{real}, every case runs under it too"
                   : 'not found, cases run under t/lib only'));

$ENV{TEST_NGINX_BINARY} ||= 'nginx';
delete @ENV{qw(TEST_NGINX_SERVER_PORT TEST_NGINX_PORT TEST_NGINX_SERVROOT
               TEST_NGINX_RANDOMIZE TEST_NGINX_NO_CLEAN TEST_NGINX_USE_HUP
               TEST_NGINX_USE_VALGRIND TEST_NGINX_TIMEOUT)};

my $tmp = File::Temp->newdir('harness-XXXXXX', TMPDIR => 1);
my $n = 0;

# run one .t file made of $head and the blocks under a runner;
# returns (verdict, output, seconds)
sub run_case {
    my ($runner, $c) = @_;
    my $file = "$tmp/case" . ++$n . '.t';
    open my $fh, '>', $file or die "$file: $!";
    print $fh "use Test::Nginx::Socket 'no_plan';\n", $c->{head} // '',
              "no_shuffle();\nrun_tests();\n\n__DATA__\n\n", $c->{blocks};
    close $fh;

    # the real runner needs a port or TEST_NGINX_RANDOMIZE (else 1984)
    local %ENV = (%ENV, TEST_NGINX_SERVROOT => "$tmp/servroot$n",
                  $runner eq 'real' ? (TEST_NGINX_RANDOMIZE => 1) : (),
                  %{ $c->{env} // {} });
    delete @ENV{grep { !defined $ENV{$_} } keys %ENV};

    my $r = run_bounded(120, $^X, '-I', $lib{$runner}, $file);
    my ($text, $status) = @$r{qw(out status)};

    # pass: a clean exit, a plan and as many "ok" as planned, no failure
    my ($plan) = $text =~ /^1\.\.(\d+)$/m;
    my $oks = () = $text =~ /^ok \d+/mg;
    my $pass = !$r->{timed_out} && $status == 0
               && $text !~ /^not ok|^Bail out!/m && $plan && $plan == $oks;
    return ($pass ? 'pass' : 'fail', $text, $r->{secs});
}

# a case: what, expect (pass/fail, or per runner: { ours => .., real => .. }),
# why (the failure's reason, under our runner), blocks, head, env, within
# (seconds), slow_real (the real runner retries a failing start for 30 s
# and then bails out: the same verdict, not worth the wait)
sub check {
    my %c = @_;

    for my $runner (sort keys %lib) {
        next if $runner eq 'real' && $c{slow_real};
        my $want = ref $c{expect} ? $c{expect}{$runner} : $c{expect};
        my ($got, $text, $secs) = run_case($runner, \%c);
        my $tag = $runner eq 'ours' ? '' : " (real runner)";

        is($got, $want, "$want: $c{what}$tag")
            or diag("output:\n$text");
        if ($want eq 'fail' && $c{why} && $runner eq 'ours') {
            like($text, $c{why}, "... for the right reason: $c{what}");
        }
        if ($c{within} && $runner eq 'ours') {
            cmp_ok($secs, '<', $c{within}, "... within $c{within} s");
        }
    }
}


# --- response_body, error_code

check(what => 'a wrong response body', expect => 'fail',
      why => qr/^not ok .*response_body/m, blocks => <<'EOB');
=== TEST 1: wrong body
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
goodbye
EOB

check(what => 'error_code is 200 unless given', expect => 'fail',
      why => qr/^not ok .*status code ok/m, blocks => <<'EOB');
=== TEST 1: a 204 without error_code
--- config
    location = /t { return 204; }
--- request
GET /t
EOB

check(what => 'a wrong error_code', expect => 'fail',
      why => qr/^not ok .*status code ok/m, blocks => <<'EOB');
=== TEST 1: 404 is not 403
--- config
    location = /t { return 404; }
--- request
GET /t
--- error_code: 403
EOB


# --- the runner's own "location /", and no_root_location()

check(what => 'the runner adds "location /" serving html/index.html',
      expect => 'pass', blocks => <<'EOB');
=== TEST 1: It works
--- config
    location = /t { return 200; }
--- request
GET /
--- response_body_like: It works!
EOB

check(what => 'a block of its own "location /" without no_root_location()'
              . ' stops nginx (duplicate location)',
      expect => 'pass', blocks => <<'EOB');
=== TEST 1: duplicate location
--- config
    location / { return 200; }
--- must_die
EOB

check(what => 'a block of its own "location /" without no_root_location()',
      expect => 'fail', why => qr/nginx is up/, slow_real => 1,
      blocks => <<'EOB');
=== TEST 1: duplicate location
--- config
    location / { return 200 "mine\n"; }
--- request
GET /
--- response_body
mine
EOB

check(what => 'no_root_location(): a "location /" of the block\'s own',
      expect => 'pass', head => "no_root_location();\n", blocks => <<'EOB');
=== TEST 1: mine
--- config
    location / { return 200 "mine\n"; }
--- request
GET /
--- response_body
mine
EOB

check(what => 'no_root_location(): no duplicate location to die of',
      expect => 'fail', head => "no_root_location();\n",
      why => qr/^not ok .*must die/m, blocks => <<'EOB');
=== TEST 1: mine, no duplicate
--- config
    location / { return 200; }
--- must_die
EOB


# --- reading the response to the end, --- timeout, --- abort

my $keepalive = <<'EOB';
=== TEST 1: a keep-alive response is complete, but the connection stays
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- more_headers
Connection: keep-alive
--- timeout: 1
--- response_body
hello
EOB

check(what => 'a response is read until the server closes: a keep-alive'
              . ' connection times out', expect => 'fail',
      why => qr/^not ok .*client socket timed out/m, blocks => $keepalive);

check(what => '--- abort: a timeout is no failure', expect => 'pass',
      blocks => "$keepalive--- abort\n");

check(what => '--- abort: what was read is still checked', expect => 'fail',
      why => qr/^not ok .*response_body/m,
      blocks => ($keepalive =~ s/^hello$/goodbye/mr) . "--- abort\n");

my $slow = <<'EOB';
=== TEST 1: nginx closes an unfinished request after 1 s
--- config
    client_header_timeout 1s;
    location = /t { return 200; }
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\n"
--- error_code:
EOB

check(what => '--- timeout: longer than the server takes', expect => 'pass',
      blocks => "$slow--- timeout: 3\n");

check(what => '--- timeout: idle time, "ms" allowed', expect => 'fail',
      why => qr/^not ok .*client socket timed out/m,
      blocks => "$slow--- timeout: 300ms\n");

check(what => 'TEST_NGINX_TIMEOUT: the default timeout', expect => 'pass',
      env => { TEST_NGINX_TIMEOUT => 0.5 }, within => 2.5,
      blocks => "$keepalive--- abort\n" =~ s/^--- timeout: 1\n//mr);


# --- request, raw_request

check(what => '--- request: Host and "Connection: close" added, the body '
              . 'trimmed with its Content-Length', expect => 'pass',
      blocks => <<'EOB');
=== TEST 1: the request as built
--- config
    location = /t { return 200 "$http_host $http_connection $content_length\n"; }
--- request
POST /t
  hello  
--- response_body
localhost close 5
EOB

check(what => '--- raw_request is sent as it is (no Host: 400)',
      expect => 'fail', why => qr/^not ok .*status code ok/m,
      blocks => <<'EOB');
=== TEST 1: raw
--- config
    location = /t { return 200; }
--- raw_request eval
"GET /t HTTP/1.1\r\nConnection: close\r\n\r\n"
EOB

check(what => '--- raw_request in writes, raw_request_middle_delay',
      expect => 'pass', blocks => <<'EOB');
=== TEST 1: two writes
--- config
    location = /t { return 200 "$request_method $uri\n"; }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\n", "Connection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.3
--- response_body
GET /t
EOB


# --- response_headers, response_headers_like

my $hdr = <<'EOB';
=== TEST 1: headers
--- config
    location = /t { add_header X-Foo bar; return 200; }
--- request
GET /t
EOB

check(what => 'response_headers', expect => 'pass',
      blocks => "$hdr--- response_headers\nX-Foo: bar\n!X-Bar\n");

check(what => 'response_headers: a wrong value', expect => 'fail',
      why => qr/^not ok .*header X-Foo ok/m,
      blocks => "$hdr--- response_headers\nX-Foo: baz\n");

check(what => 'response_headers: "!X-Foo" while it is sent',
      expect => 'fail', why => qr/^not ok .*header X-Foo not present/m,
      blocks => "$hdr--- response_headers\n!X-Foo\n");

check(what => 'response_headers_like matches the whole value',
      expect => 'fail', why => qr/^not ok .*header X-Foo like ok/m,
      blocks => "$hdr--- response_headers_like\nX-Foo: ba\n");

check(what => 'response_headers_like', expect => 'pass',
      blocks => "$hdr--- response_headers_like\nX-Foo: b.r\n");

check(what => 'both response_headers and response_headers_like (the real'
              . ' runner ignores the second; ours refuses the block)',
      expect => { ours => 'fail', real => 'pass' },
      why => qr/^not ok .*response_headers_like is ignored/m,
      blocks => "$hdr--- response_headers\nX-Foo: bar\n"
                . "--- response_headers_like\nX-Foo: nothing\n");


# --- error_log, no_error_log, shutdown_error_log, wait

my $missing = <<'EOB';
=== TEST 1: a file that is not there
--- config
    location = /t { return 200; }
--- request
GET /missing
--- error_code: 404
EOB

check(what => 'error_log: a pattern logged', expect => 'pass',
      blocks => "$missing--- error_log\nNo such file or directory\n");

check(what => 'error_log: a pattern not logged', expect => 'fail',
      why => qr/^not ok .*matches a line in error\.log/m,
      blocks => "$missing--- error_log\nno such message\n");

check(what => 'error_log eval: regexes', expect => 'pass',
      blocks => "$missing--- error_log eval\n"
                . "[qr/open\\(\\) \"[^\"]+\\/missing\" failed/]\n");

check(what => 'no_error_log: a pattern logged', expect => 'fail',
      why => qr/^not ok .*does not match a line in error\.log/m,
      blocks => "$missing--- no_error_log\n[error]\n");

check(what => 'an [error] nobody expects (ours only)',
      expect => { ours => 'fail', real => 'pass' },
      why => qr{unexpected.*\n(?s:.*)\[error\].*/missing}, blocks => $missing);

check(what => 'a Perl error in an eval section (ours only)',
      expect => { ours => 'fail', real => 'pass' },
      why => qr/eval of section failed/,
      blocks => "$missing--- no_error_log eval\n[qr/unbalanced(/]\n");

my $quit = '(SIGQUIT) received';
check(what => 'shutdown_error_log: lines logged while nginx stops',
      expect => 'pass', blocks => "$hdr--- shutdown_error_log\n$quit\n");

check(what => 'shutdown_error_log: a pattern not logged', expect => 'fail',
      why => qr/^not ok .*matches a line logged at shutdown/m,
      blocks => "$hdr--- shutdown_error_log\nno such message\n");

check(what => 'error_log is checked before nginx stops', expect => 'fail',
      why => qr/^not ok .*matches a line in error\.log/m,
      blocks => "$hdr--- error_log\n$quit\n");

# the access log line reaches error.log 1 s after the response
my $later = <<'EOB';
=== TEST 1: a buffered access log
--- http_config
    access_log logs/error.log combined buffer=4k flush=1s;
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_log
"GET /t HTTP/1.1" 200
EOB

check(what => '--- wait: seconds before the logs are read',
      expect => 'pass', blocks => "$later--- wait: 1.5\n");

check(what => 'without --- wait the logs are read at once',
      expect => 'fail', why => qr/^not ok .*matches a line in error\.log/m,
      blocks => $later);


# --- http_config, main_config, must_die

check(what => 'http_config in http{}, main_config at the top',
      expect => 'pass', blocks => <<'EOB');
=== TEST 1: a map, and a main-only directive
--- main_config
    worker_rlimit_nofile 1024;
--- http_config
    map $uri $word { default "mapped"; }
--- config
    location = /t { return 200 "$word\n"; }
--- request
GET /t
--- response_body
mapped
EOB

check(what => 'main_config is not http{} (a directive of http{} there: '
              . 'nginx dies)', expect => 'pass', blocks => <<'EOB');
=== TEST 1: default_type at the top
--- main_config
    default_type text/html;
--- config
--- must_die
EOB

check(what => 'http_config is not the top (a main-only directive there: '
              . 'nginx dies)', expect => 'pass', blocks => <<'EOB');
=== TEST 1: worker_rlimit_nofile in http{}
--- http_config
    worker_rlimit_nofile 1024;
--- config
--- must_die
EOB

check(what => 'http_config breaking nginx, without must_die',
      expect => 'fail', why => qr/^not ok .*nginx is up/m, slow_real => 1,
      blocks => <<'EOB');
=== TEST 1: worker_rlimit_nofile in http{}
--- http_config
    worker_rlimit_nofile 1024;
--- config
    location = /t { return 200; }
--- request
GET /t
EOB

check(what => 'must_die with a valid configuration', expect => 'fail',
      why => qr/^not ok .*must die/m, blocks => <<'EOB');
=== TEST 1: valid config
--- config
    location = /t { return 200; }
--- must_die
EOB

check(what => 'must_die: a wrong exit code', expect => 'fail',
      why => qr/^not ok .*die with the expected exit code/m,
      blocks => <<'EOB');
=== TEST 1: nginx exits with 1
--- config
    no_such_directive on;
--- must_die: 2
EOB


# --- functions: repeat_each, master_on, workers

check(what => 'repeat_each(2), error_log for each repetition',
      expect => 'pass', head => "repeat_each(2);\n",
      blocks => "$missing--- error_log\nNo such file or directory\n");

check(what => 'master_on() and workers(2)', expect => 'pass',
      head => "master_on();\nworkers(2);\n", blocks => <<'EOB');
=== TEST 1: two workers read a file
--- config
    location = /conf {
        alias $TEST_NGINX_SERVER_ROOT/conf/nginx.conf;
    }
--- request
GET /conf
--- response_body_like: master_process on;\nerror_log \S+ debug;\npid\s+\S+;
--- error_log
start worker process
EOB


# --- the environment

check(what => 'TEST_NGINX_BINARY that does not exist', expect => 'fail',
      why => qr/Bail out!.*nginx executable/,
      env => { TEST_NGINX_BINARY => '/nonexistent/nginx' }, blocks => $hdr);

check(what => 'TEST_NGINX_LOAD_MODULES: its load_module lines (a missing '
              . 'module: nginx dies)', expect => 'pass',
      env => { TEST_NGINX_LOAD_MODULES => '/nonexistent/ngx_x_module.so' },
      blocks => "$hdr--- must_die\n");

check(what => 'TEST_NGINX_LOAD_MODULES with a missing module',
      expect => 'fail', why => qr/^not ok .*nginx is up/m, slow_real => 1,
      env => { TEST_NGINX_LOAD_MODULES => '/nonexistent/ngx_x_module.so' },
      blocks => $hdr);

my ($p1, $p2) = free_port(2);
my $where = <<'EOB';
=== TEST 1: the port nginx listens on, as the config sees it
--- config
    location = /t {
        return 200 "$server_port $TEST_NGINX_SERVER_PORT\n";
    }
--- request
GET /t
EOB

check(what => 'TEST_NGINX_PORT, exported as TEST_NGINX_SERVER_PORT',
      expect => 'pass', blocks => "$where--- response_body\n$p1 $p1\n",
      env => { TEST_NGINX_PORT => $p1, TEST_NGINX_RANDOMIZE => undef });

check(what => 'TEST_NGINX_SERVER_PORT wins over TEST_NGINX_PORT',
      expect => 'pass', blocks => "$where--- response_body\n$p2 $p2\n",
      env => { TEST_NGINX_PORT => $p1, TEST_NGINX_SERVER_PORT => $p2,
               TEST_NGINX_RANDOMIZE => undef });

check(what => 'TEST_NGINX_RANDOMIZE: a port of its own, t/servroot_PORT',
      expect => 'pass', env => { TEST_NGINX_PORT => $p1,
                                 TEST_NGINX_RANDOMIZE => 1 },
      blocks => <<"EOB");
=== TEST 1: where
--- config
    location = /t { return 200 "\$server_port \$TEST_NGINX_SERVER_ROOT\\n"; }
--- request
GET /t
--- response_body_like
^(?!$p1 )\\d+ /\\S+/t/servroot_\\d+\$
EOB

check(what => 'TEST_NGINX_SERVROOT, exported as TEST_NGINX_SERVER_ROOT',
      expect => 'pass', env => { TEST_NGINX_PORT => $p1,
                                 TEST_NGINX_RANDOMIZE => undef },
      blocks => <<'EOB');
=== TEST 1: where
--- config
    location = /t { return 200 "$TEST_NGINX_SERVER_ROOT\n"; }
--- request
GET /t
--- response_body eval
"$ENV{TEST_NGINX_SERVROOT}\n"
EOB

check(what => 'a $TEST_NGINX_ variable that is not set stops the run',
      expect => 'fail', why => qr/Bail out!.*TEST_NGINX_NO_SUCH_THING/,
      blocks => <<'EOB');
=== TEST 1: unset
--- config
    location = /t { return 200 "$TEST_NGINX_NO_SUCH_THING"; }
--- request
GET /t
EOB

done_testing();
