# The dashboard (html/) in a real browser: nginx runs the quick start's
# configuration (conf/f1-replay.conf, rendered as scripts/start.sh does,
# on a free port), which serves the page at /, the session summary at
# /info, the replay at /ws and the control API at /control/; then
# t/browser/dashboard.mjs drives Debian's headless chromium through
# playwright-core (t/browser/package.json): the page connects (compact,
# deflated frames), a seek made in one page reaches a second page within
# 1 s, the tower's order equals f1_replay_info?t= at the same session
# time, every car is drawn where the latest frame puts it (canvas pixels
# at the page's projection), pause stops the map, the timeline seeks, the
# delay setting delays, a reload (1001) is followed by a reconnection,
# the console has no errors; the screenshot goes to build/dashboard.png.
# Plain Test::More; nginx and the browser run are stopped by pid (the
# browser's process group) however the test ends.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Path qw(make_path);
use File::Spec;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_start nginx_stop bad_log_lines free_port
                 time_limit);

my $data = data_dir();
my $root = "$FindBin::Bin/..";
my $chromium = $ENV{F1_REPLAY_CHROMIUM} || '/usr/bin/chromium';
my $driver = "$FindBin::Bin/browser/dashboard.mjs";
my $pw = "$FindBin::Bin/browser/node_modules/playwright-core";

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";

# chromium and playwright-core come with scripts/deps.sh test; CI must
# not skip for want of them
my $missing = !-x $chromium ? "$chromium (apt-get install chromium)"
            : system('node -e 1 2>/dev/null') != 0 ? 'node'
            : !-d $pw ? "$pw (npm ci --prefix t/browser)" : undef;
if ($missing) {
    plan(skip_all => "not installed: $missing") unless $ENV{CI};
    BAIL_OUT("not installed: $missing (scripts/deps.sh test)");
}

# a wall-clock limit (F1Fixture then stops nginx); END stops the browser
# run (its process group) however the test ends
time_limit(300);

my $node_pid;

END {
    kill 'KILL', -$node_pid if $node_pid && kill 0, $node_pid;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    return <$fh>;
}

sub get {
    my ($url) = @_;
    my $out = `curl -s -m 10 -D - '$url'`;
    my ($head, $body) = split /\r\n\r\n/, $out, 2;
    my ($code) = ($head // '') =~ m{^HTTP/\S+ (\d+)};
    my ($type) = ($head // '') =~ m{^Content-Type: *([^\r\n]+)}mi;
    return ($code // 0, $type // '', $body // '');
}

# the quick start's configuration, rendered as scripts/start.sh does

my $port = free_port();
my $prefix = tempdir('f1-dash-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $prefix;
make_path("$prefix/conf", "$prefix/logs/tmp");

my $module = (split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || ''))[0];
my $conf = slurp("$root/conf/f1-replay.conf");
if ($module) {
    $conf =~ s/\@MODULE\@/$module/g;
} else {
    $conf =~ s/^load_module \@MODULE\@;//m;     # a static build has it
}
# the page's files, copied where the workers' user can read them whatever
# the permissions of the checkout's parent directories
my $html = "$prefix/html";
system('cp', '-R', "$root/html", $html) == 0 or BAIL_OUT("cp html: $?");
system('chmod', '-R', 'a+rX', $html) == 0 or BAIL_OUT("chmod html: $?");
$conf =~ s/\@DATA\@/$data/g;
$conf =~ s/\@SESSION\@/2025-dutch-grand-prix-race/g;
$conf =~ s/\@PREFIX\@/$prefix\/logs/g;
$conf =~ s/\@HTML\@/$html/g;
$conf =~ s/\@LISTEN\@/127.0.0.1:$port/g;
$conf =~ s/^error_log stderr notice;$//m;
my $group = getgrgid((getpwnam('nobody'))[3]);
$conf =~ s/^user \@USER\@;$/$> == 0 ? "user nobody $group;" : ''/me;
unlike(join('', grep { !/^\s*#/ } split /^/, $conf), qr/\@[A-Z]+\@/,
       'quick-start configuration: every placeholder replaced');

open my $fh, '>', "$prefix/conf/nginx.conf" or die;
print $fh $conf;
close $fh;

my $nginx_pid = nginx_start($prefix);

my $base = "http://127.0.0.1:$port";

# what the quick start serves where

my ($code, $type, $body) = get("$base/");
is($code, 200, 'GET /: the dashboard');
like($type, qr{^text/html}, '... text/html');
like($body, qr{<script type="module" src="js/main\.js">}, '... the page');

($code, $type) = get("$base/js/main.js");
like("$code $type", qr{^200 text/javascript}, '... its modules as JavaScript');

($code, $type, $body) = get("$base/info");
my $sum = eval { decode_json($body) } || {};
ok($code == 200 && $type =~ m{application/json}
   && $sum->{meeting} && $sum->{meeting} eq 'Dutch Grand Prix',
   'GET /info: the session summary (JSON)');

($code, $type, $body) = get("$base/info?t=00:40:00.000");
my $st = eval { decode_json($body) } || {};
ok($code == 200 && $st->{t} == 2400000 && @{$st->{cars} || []} == 20,
   'GET /info?t=00:40:00.000: the race state then');

($code, $type, $body) = get("$base/control/");
like($body, qr/"type":"clock"/, 'GET /control/: the clock');

# the back-test figures the page shows are scripts/BENCHMARKS.md's (the
# season model's column of the 2024 table, which the README points to)

my $bt = decode_json(slurp("$root/html/backtest.json"));
my $bench = slurp("$root/scripts/BENCHMARKS.md");
my ($season) = $bench =~ /^### 2024 season$(.*?)^##+ /ms;
my (%cell, $col);
for my $row (split /\n/, $season // '') {
    next unless $row =~ /^\|/;
    my @c = map { s/^\s+|\s+$//gr } split /\|/, $row;
    shift @c;
    if (!defined $col) {
        ($col) = grep { $c[$_] eq 'season model' } 0 .. $#c;
        next;
    }
    my $v = $c[$col] // '';
    $v =~ s/\*\*//g;
    $v =~ s/\s*\(.*\)//;              # the earlier version, in brackets
    $cell{$c[0]} = $v;
}
my @want = (
    ['next-stop MAE (laps)', $bt->{next_stop}{mae}],
    ['within 10 laps: MAE', $bt->{next_stop}{mae_within_10}],
    ['within 10 laps: hit +-1', $bt->{next_stop}{hit1_within_10}],
    ['within 10 laps: hit +-2', $bt->{next_stop}{hit2_within_10}],
    ["80 % window coverage, engine's calibration",
     $bt->{next_stop}{window_coverage}],
    ["confidence Brier, engine's calibration",
     $bt->{next_stop}{confidence_brier}],
    ['next compound', $bt->{next_compound}{accuracy}],
    ['number of stops', $bt->{stops}{accuracy}],
    ['overtake Brier (LORO within the set)', $bt->{overtake}{brier}],
    ['overtake AUC (LORO within the set)', $bt->{overtake}{auc}],
);
my @bad = grep {
    my ($name, $v) = @$_;
    !defined $cell{$name} || $cell{$name} !~ /^[\d.]+$/
    || abs($cell{$name} - $v) > 1e-9
} @want;
ok(defined $col && !@bad,
   'html/backtest.json: the season figures of BENCHMARKS.md\'s 2024 table')
    or diag(explain([map { [@$_, $cell{$_->[0]}] } @bad]));

# the browser run

my $build = "$root/build";
make_path($build);
my $shot = File::Spec->rel2abs("$build/dashboard.png");
unlink $shot;
my $log = "$prefix/logs/browser.log";
my $t0 = time;

$node_pid = fork // die "fork: $!";
if ($node_pid == 0) {
    setpgrp(0, 0);                   # chromium's processes in one group
    open STDOUT, '>', $log or die;
    open STDERR, '>&', \*STDOUT or die;
    chdir "$FindBin::Bin/browser" or die;
    exec 'node', $driver, '--base', "$base/", '--screenshot', $shot,
         '--chromium', $chromium, '--limit', 180000,
         '--nginx-pid', $nginx_pid;
    die "exec node: $!";
}

my $rc;
for (1 .. 2000) {
    if (waitpid($node_pid, WNOHANG) == $node_pid) {
        $rc = $? >> 8;
        last;
    }
    sleep 0.1;
}
if (!defined $rc) {
    kill 'KILL', -$node_pid;
    waitpid($node_pid, 0);
    fail('the browser run ended within 200 s');
}
$node_pid = undef;
note(sprintf('browser run: %.1f s, exit %s', time - $t0, $rc // 'killed'));

my ($done, @lines) = (0);
for my $line (split /\n/, slurp($log)) {
    my $m = $line =~ /^\{/ ? eval { decode_json($line) } : undef;
    if (!$m) {
        push @lines, $line;
        next;
    }
    if (exists $m->{check}) {
        ok($m->{ok}, $m->{check})
            or diag(JSON::PP->new->canonical->encode($m->{diag} // {}));
    } elsif ($m->{done}) {
        $done = 1;
    } elsif ($m->{info}) {
        note(JSON::PP->new->canonical->encode($m));
    }
}
ok($done && defined $rc && $rc == 0, 'the browser run completed')
    or diag(join "\n", @lines[0 .. ($#lines < 40 ? $#lines : 40)]);
ok(-s $shot, "screenshot written: $shot");

# nginx said nothing bad

nginx_stop($nginx_pid);
my @badlog = bad_log_lines($prefix);
is(scalar @badlog, 0, 'no [error], [alert], [crit] or [emerg] in the log')
    or diag(@badlog);

done_testing();
