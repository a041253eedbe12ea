# vim:set ft= ts=4 sw=4 et:
# Self-test of our runner t/lib/Test/Nginx/Socket.pm: deliberately wrong
# blocks must fail and a correct one must pass.  Each case is a temporary
# .t file run as "perl -I t/lib" in a child with its own servroot and port.
# Skipped where the real Test::Nginx is installed (then t/lib is not used).

use strict;
use warnings;

use Cwd ();
use File::Spec ();
use File::Temp ();
use POSIX ();
use Test::More;

my $lib = Cwd::abs_path('t/lib');

# which Test::Nginx::Socket would a plain "perl" load, without t/lib?
{
    my @inc = grep { !defined Cwd::abs_path($_)
                     || Cwd::abs_path($_) ne $lib } @INC;
    local $ENV{PERL5LIB} = join ':', @inc;
    my $where = qx{$^X -e 'eval { require Test::Nginx::Socket };
                           print \$INC{"Test/Nginx/Socket.pm"} // ""'};
    plan skip_all => "the real Test::Nginx::Socket is installed ($where);"
                     . " t/lib is not used" if $where ne '';
}

my $tmp = File::Temp->newdir('harness-XXXXXX', TMPDIR => 1);
chmod 0755, "$tmp";         # workers run as nobody when the master is root
my $port = ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 1;
my $n = 0;

# run one .t file made of $head and the blocks; returns (exit status, output)
sub run_case {
    my ($blocks, $head) = @_;
    my $file = "$tmp/case" . ++$n . '.t';
    open my $fh, '>', $file or die "$file: $!";
    print $fh "use Test::Nginx::Socket 'no_plan';\n", $head // '',
              "no_shuffle();\nrun_tests();\n\n__DATA__\n\n", $blocks;
    close $fh;

    local $ENV{TEST_NGINX_SERVROOT} = "$tmp/servroot$n";
    local $ENV{TEST_NGINX_SERVER_PORT} = $port;
    my $pid = open my $out, '-|';
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec $^X, '-I', $lib, $file or POSIX::_exit(127);
    }

    # bounded: TERM makes the runner stop its nginx and exit
    my $text = '';
    my $ok = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 300;
        local $/;
        $text = <$out> // '';
        alarm 0;
        1;
    };
    unless ($ok) {
        kill TERM => $pid;
        $text .= "\n(killed after a timeout)\n";
    }
    close $out;
    return ($?, $text);
}

sub must_fail {
    my ($what, $expect, $blocks, $head) = @_;
    my ($status, $text) = run_case($blocks, $head);
    ok($status != 0 && $text =~ /^not ok/m, "fails: $what")
        or diag("exit status $status, output:\n$text");
    like($text, $expect, "fails for the right reason: $what");
}

sub must_pass {
    my ($what, $blocks, $head) = @_;
    my ($status, $text) = run_case($blocks, $head);
    my ($plan) = $text =~ /^1\.\.(\d+)$/m;
    my $oks = () = $text =~ /^ok \d+/mg;
    ok($status == 0 && $text !~ /^not ok/m && $plan && $plan == $oks,
       "passes: $what") or diag("exit status $status, output:\n$text");
}


must_fail('wrong response body', qr/response_body ok/, <<'EOB');
=== TEST 1: wrong body
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
goodbye
EOB

must_fail('an [error] the block does not expect',
          qr{unexpected.*\n(?s:.*)\[error\].*/nonexistent/missing}, <<'EOB');
=== TEST 1: unexpected error
--- config
    location = /t { return 200; }
    location / { root /nonexistent; }
--- request
GET /missing
--- error_code: 404
EOB

must_fail('must_die with a valid config', qr/nginx must die/, <<'EOB');
=== TEST 1: valid config
--- config
    location = /t { return 200; }
--- must_die
EOB

must_fail('a missing error_log pattern', qr/matches a line in error\.log/,
          <<'EOB');
=== TEST 1: missing pattern
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_log
no such message
EOB

must_fail('a client timeout without abort', qr/timed out/, <<'EOB');
=== TEST 1: incomplete request
--- config
    location = /t { return 200; }
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\n"
--- timeout: 0.5
--- error_code:
EOB

must_fail('a wrong header', qr/header X-Foo ok/, <<'EOB');
=== TEST 1: wrong header
--- config
    location = /t { add_header X-Foo bar; return 200; }
--- request
GET /t
--- response_headers
X-Foo: baz
EOB

must_fail('a Perl error in an eval section', qr/eval of section failed/,
          <<'EOB');
=== TEST 1: bad eval
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_log eval
[qr/unbalanced(/]
EOB

must_pass('correct blocks, an expected [error], repeat_each', <<'EOB',
=== TEST 1: hello
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: an expected error
--- config
    location / { root /nonexistent; }
--- request
GET /missing
--- error_code: 404
--- error_log
No such file or directory
EOB
          "repeat_each(2);\n");

must_pass('master_on() and workers(2)', <<'EOB', "master_on();\nworkers(2);\n");
=== TEST 1: two workers read a file
--- config
    location = /conf {
        alias $TEST_NGINX_SERVROOT/conf/nginx.conf;
    }
--- request
GET /conf
--- response_body_like
master_process on;\nworker_processes 2;
--- error_log
start worker process
--- no_error_log
[error]
EOB

done_testing();
