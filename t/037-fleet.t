# A fleet on one machine: three instances of conf/f1-replay-fleet-instance.conf
# (one anchor, a state file each, f1_replay_control_margin) behind the
# front of conf/f1-replay-fleet-front.conf (TLS, upstream, mirror), both
# rendered for 127.0.0.1 and free ports.  Clients on every instance and
# through the front (wss): a seek, a pause, a speed change and a resume
# sent to the front reach every client of every instance at the tick the
# answer names; an instance stopped and started again comes back on the
# fleet's clock from its state file; an instance that missed a change
# takes a peer's clock; times past, too far ahead and before a pending
# change are refused.  Plain Test::More driving nginx masters by pid.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_start nginx_stop bad_log_lines free_port
                 time_limit run_check);

time_limit(240);

my $data = data_dir();
my $python = '/usr/bin/python3';

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";
plan(skip_all => 'python3 not found') unless -x $python;

my $conf = "$FindBin::Bin/../conf";
my $module = (split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || ''))[0];
my $dir = tempdir('f1-fleet-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;

my ($front, @inst) = free_port(4);
my $anchor = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - 60));

system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test "
       . "-keyout $dir/key.pem -out $dir/cert.pem >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl req failed');

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    return <$fh>;
}

# an example configuration as a test prefix: the module of this run,
# nginx in the foreground, logs in the prefix, 127.0.0.1

sub render {
    my ($name, $text, %sub) = @_;

    my $prefix = "$dir/$name";
    mkdir $prefix;
    mkdir "$prefix/$_" for qw(conf logs);

    if ($module) {
        $text =~ s{^load_module \S+;}{load_module $module;}m;
    } else {
        $text =~ s{^load_module \S+;}{}m;       # a static build has it
    }

    $text =~ s{^worker_processes auto;}{daemon off;
master_process on;
worker_processes 2;
error_log logs/error.log notice;
pid logs/nginx.pid;}m or die "$name: no worker_processes";

    $text =~ s{^(\s*worker_connections) \d+;}{$1 1024;}m;
    $text =~ s#^http \{#http {
    access_log off;
    client_body_temp_path logs/client_body;
    proxy_temp_path logs/proxy;#m or die "$name: no http";

    for my $from (sort keys %sub) {
        $text =~ s{\Q$from\E}{$sub{$from}}g or die "$name: no \"$from\"";
    }

    open my $fh, '>', "$prefix/conf/nginx.conf" or die;
    print $fh $text;
    close $fh;

    return $prefix;
}

my $instance = slurp("$conf/f1-replay-fleet-instance.conf");
my (@prefix, @pid);

for my $i (0 .. 2) {
    my $state = "$dir/state$i";
    mkdir $state;
    chmod 0777, $state;      # the workers' user writes the clock there

    $prefix[$i] = render("instance$i", $instance,
        'path=/srv/f1/' => "path=$data/",
        'anchor=2026-11-25T18:00:00Z' => "anchor=$anchor",
        'state=/var/lib/f1-replay/' => "state=$state/",
        'listen 10.0.0.11:8080;' => "listen 127.0.0.1:$inst[$i];",
        '10.0.0.10;' => '127.0.0.1;');
    $pid[$i] = nginx_start($prefix[$i]);
}

my $fp = render('front', slurp("$conf/f1-replay-fleet-front.conf"),
    'listen 443 ssl;' => "listen 127.0.0.1:$front ssl;",
    '/etc/ssl/replay.example.org.crt' => "$dir/cert.pem",
    '/etc/ssl/replay.example.org.key' => "$dir/key.pem",
    '10.0.1.0/24' => '127.0.0.1',
    (map { ("10.0.0.1$_:8080" => "127.0.0.1:$inst[$_ - 1]") } 1 .. 3),
    "auth_basic \"replay control\";\n" => '',
    "auth_basic_user_file /etc/nginx/f1-control.htpasswd;\n" => '');
my $front_pid = nginx_start($fp);

my @addr = map { "127.0.0.1:$_" } @inst;

sub check {
    my ($name, @args) = @_;

    return run_check($name, "$python $FindBin::Bin/fleet_check.py @args");
}

# one change, one tick, every instance

my $r = check('a seek, a pause, a speed change and a resume sent to the '
              . 'front: every client of every instance at the tick named',
              'changes', "https://127.0.0.1:$front", @addr);
is($r->{clients}, 9, '... 6 clients on the instances, 3 through the front');
is(scalar @{ $r->{changes} || [] }, 4, '... 4 changes');
is($r->{max_t_spread_ms}, 0, '... the same session time at every tick');

$r = check('the instances agree afterwards', 'same', @addr);
is_deeply($r->{changes}, [4, 4, 4], '... 4 changes on each');

# an instance stopped and started again: on the fleet's clock

is(nginx_stop($pid[1]), 0, 'instance 2 stopped');
$pid[1] = nginx_start($prefix[1]);
$r = check('instance 2 started again: the same tick and session time as '
           . 'the others', 'same', @addr);
is_deeply($r->{changes}, [4, 4, 4], '... its clock taken from its file');
cmp_ok($r->{max_t_diff_ms} // 1e9, '<=', 20, '... within one tick '
       . "($r->{max_t_diff_ms} ms apart at most)");
ok(scalar(grep { /the clock of ".*" taken \(change 4\)/ }
              split /^/, slurp("$prefix[1]/logs/error.log")),
   '... and says so in its log');

# an instance that missed a change takes a peer's clock

my $st = `curl -s -m 5 -d '{"action":"seek","t":"01:00:00"}' http://$addr[2]/control/`;
like($st, qr/"change":5/, 'a change sent to instance 3 alone');
sleep 1;
$r = `$python $FindBin::Bin/fleet_check.py same @addr 2>&1`;
like($r, qr/change counts differ/, '... the instances differ (they must)');
check("instance 3 takes instance 1's clock", 'take', $addr[0], $addr[2]);
$r = check('... and agrees again', 'same', @addr);
is_deeply($r->{changes}, [4, 4, 4], '... with its change count');

# refusals: the instance answering for the front refuses, and so do the
# mirrored ones (they are all on one clock afterwards)

$r = check('a time 5 s past and 120 s ahead: 400; before a pending change: '
           . '409', 'refusals', "https://127.0.0.1:$front");
$r = check('... the instances still agree', 'same', @addr);
is_deeply($r->{changes}, [6, 6, 6], '... 6 changes on each');

# the state file is the clock's document

my $doc = decode_json(slurp("$dir/state0/dutch.clock"));
is($doc->{f1_replay_clock}, 1, 'the state file: a clock document');
is($doc->{change}, 6, '... of the last change');

for my $i (0 .. 2) {
    is(nginx_stop($pid[$i]), 0, "instance @{[ $i + 1 ]} exited cleanly");
}
is(nginx_stop($front_pid), 0, 'the front exited cleanly');

for my $p (@prefix, $fp) {
    my @bad = bad_log_lines($p);
    is(scalar @bad, 0, "$p: no [alert], [crit], [error] or sanitizer report")
        or diag(@bad);
}

done_testing();
