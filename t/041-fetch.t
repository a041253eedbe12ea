# scripts/f1-replay-fetch against a local mirror, never the network: nginx
# serves a tree laid out as the archive server is (static/<year>/Index.json,
# static/<Path><Topic>.jsonStream), built here from the recorded sessions
# (symlinks) with Index.json files written by this test, and injects faults
# through its configuration:
#
#   /static/         the archive
#   /s3/static/      the same, 403 for a missing file (as S3 behind the
#                    real server answers)
#   /f500/static/    each file: HTTP 500 on the first request, then the
#                    file (limit_req lets one request per URI a minute
#                    through to `try_files =500`; the rejected ones go to the
#                    file through error_page 429)
#   /e503/static/    HTTP 503, always
#   /trunc1/static/  CarData.z proxied to a fault server that closes the
#                    first answer halfway through its Content-Length
#   /trunc/static/   CarData.z always cut short that way
#   /chunked/static/ CarData.z always cut short inside a chunked body
#   /slow/static/    Position.z: 16 KB, then 200 bytes/s (limit_rate)
#   /drip/static/    Position.z proxied to the fault server, which sends a
#                    byte every 0.1 s
#   /gz/static/      gzip even though the fetcher asks for identity
#                    (gzip_static always; .gz files of the Mexico City race)
#   /moved/static/   301 to /static/
#   /loop/static/    302 to itself
#
# and the fetcher recovers (retries) or stops with a clear error; after
# every run each <Topic>.jsonStream in the cache equals its source byte for
# byte (nothing a loader would take as complete is ever a partial file) and
# no .part file is left.  Plain Test::More; nginx, the fault server and a
# running fetcher are stopped by pid however the test ends.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Basename qw(basename dirname);
use File::Compare qw(compare);
use File::Find qw(find);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Encode qw(encode_utf8);
use Fcntl qw(:flock);
use IO::Compress::Gzip qw(gzip $GzipError);
use IO::Socket::INET;
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir tools nginx_prefix nginx_start nginx_stop
                 bad_log_lines free_port time_limit);

my $data = data_dir();
my $root = dirname($FindBin::Bin);
my $fetcher = "$root/scripts/f1-replay-fetch";
my $inspect = tools() . '/f1-replay-inspect';
my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';

my %src = (
    dutch    => "$data/2025-dutch-grand-prix-race",
    quali    => "$data/2025-mexico-city-grand-prix-qualifying",
    mexico   => "$data/2025-mexico-city-grand-prix-race",
    baku     => "$data/2018-azerbaijan-grand-prix-race",
);

for (values %src) {
    plan(skip_all => "recorded session $_ not found (set F1_REPLAY_DATA)")
        unless -d $_;
}
plan(skip_all => "$inspect not built (make -C scripts/tools)")
    unless -x $inspect;

# a wall-clock limit for the whole file (F1Fixture then stops every nginx
# it started); END stops the fetcher and the fault server
time_limit(300);

my ($fetch_pid, $fault_pid);

END {
    my $rc = $?;
    kill 'KILL', $fetch_pid if $fetch_pid;
    kill 'KILL', -$fault_pid if $fault_pid;
    $? = $rc;
}

my $tmp = tempdir('f1-fetch-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# --- the mirror tree ---------------------------------------------------------

my $mirror = "$tmp/mirror";

# folder name in the cache => the recorded session its files come from
my %source_of = (
    '2025-dutch-grand-prix-race'               => $src{dutch},
    '2025-dutch-grand-prix-practice-2'         => $src{dutch},
    '2025-mexico-city-grand-prix-qualifying'   => $src{quali},
    '2025-mexico-city-grand-prix-race'         => $src{mexico},
    '2025-sao-paulo-grand-prix-sprint'         => $src{mexico},
    '2018-azerbaijan-grand-prix-race'          => $src{baku},
);

sub session_tree {
    my ($path, $from, @only) = @_;

    my $dir = encode_utf8("$mirror/static/$path");
    make_path($dir);
    opendir my $dh, $from or die "$from: $!";
    for my $f (sort grep { /\.jsonStream$/ } readdir $dh) {
        next if @only && !grep { "$_.jsonStream" eq $f } @only;
        symlink("$from/$f", "$dir/$f") or die "symlink $dir/$f: $!";
    }
    closedir $dh;
}

session_tree('2025/2025-08-31_Dutch_Grand_Prix/2025-08-31_Race', $src{dutch});
session_tree('2025/2025-08-31_Dutch_Grand_Prix/2025-08-29_Practice_2',
             $src{dutch}, 'SessionInfo');
session_tree('2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying',
             $src{quali});
session_tree('2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-26_Race',
             $src{mexico});
session_tree("2025/2025-11-09_S\x{e3}o_Paulo_Grand_Prix/2025-11-08_Sprint",
             $src{mexico});
session_tree('2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race',
             $src{baku});

# the fault locations serve the same tree
for (qw(s3 f500 slow drip trunc1 trunc chunked gz)) {
    symlink('.', "$mirror/$_") or die "symlink $_: $!";
}

# gzip copies for /gz/ (gzip_static)
{
    my $d = "$mirror/static/2025/2025-10-26_Mexico_City_Grand_Prix/"
            . '2025-10-26_Race';
    for my $f (glob "$d/*.jsonStream") {
        gzip($f => "$f.gz", Minimal => 1) or die "gzip $f: $GzipError";
    }
}

# a session whose start is two days ahead, for the "not published" hint
my $future = strftime('%Y-%m-%dT%H:%M:%S', gmtime(time() + 2 * 86400));

sub session {
    my ($meeting_path, $date, $name, %opt) = @_;

    (my $dir = "${date}_$name") =~ s/ /_/g;
    my $start = $opt{start} // "${date}T15:00:00";
    (my $end = $start) =~ s/T(\d\d)/'T' . sprintf('%02d', ($1 + 1) % 24)/e;

    return {
        Key => 9000 + length($meeting_path) + length($name),
        Type => $name =~ /Practice|Day/ ? 'Practice'
                : $name =~ /Qualifying|Shootout/ ? 'Qualifying' : 'Race',
        Name => $name,
        StartDate => $start,
        EndDate => $end,
        GmtOffset => '02:00:00',
        ($opt{no_path} ? () : (Path => "$meeting_path/$dir/")),
    };
}

sub meeting {
    my ($year, $number, $name, $location, $country, $code, $race_day,
        @sessions) = @_;

    (my $mp = "${race_day}_$name") =~ s/ /_/g;
    $mp = "$year/$mp";

    return {
        Key => 1000 + ($number // 0),
        (defined $number ? (Number => $number) : ()),
        Name => $name,
        OfficialName => uc("FORMULA 1 $name $year"),
        Location => $location,
        Country => { Key => 1, Code => $code, Name => $country },
        Circuit => { Key => 1, ShortName => $location },
        Sessions => [ map { session($mp, @$_) } @sessions ],
    };
}

my @weekend = ('Practice 1', 'Practice 2', 'Practice 3', 'Qualifying',
               'Race');
my @sprint = ('Practice 1', 'Sprint Qualifying', 'Sprint', 'Qualifying',
              'Race');

# [date, name, %opt] of each session (a name, or [name, %opt]) of a meeting
sub days {
    my ($race_day, @s) = @_;
    my ($y, $m, $d) = split /-/, $race_day;
    my %back = ('Practice 1' => 2, 'Practice 2' => 2, 'Practice 3' => 1,
                'Sprint Qualifying' => 2, 'Sprint' => 1, 'Qualifying' => 1,
                'Race' => 0, 'Day 1' => 2, 'Day 2' => 1, 'Day 3' => 0);
    return map {
        my ($name, %o) = ref $_ ? @$_ : ($_);
        [sprintf('%s-%s-%02d', $y, $m, $d - $back{$name}), $name, %o]
    } @s;
}

my %index = (
    2025 => { Year => 2025, Meetings => [
        meeting(2025, undef, 'Pre-Season Testing', 'Sakhir', 'Bahrain',
                'BRN', '2025-02-28',
                days('2025-02-28', 'Day 1', 'Day 2', 'Day 3')),
        meeting(2025, 6, 'Miami Grand Prix', 'Miami', 'United States', 'USA',
                '2025-05-04', days('2025-05-04', @sprint)),
        meeting(2025, 7, 'Emilia Romagna Grand Prix', 'Imola', 'Italy',
                'ITA', '2025-05-18', days('2025-05-18', @weekend)),
        meeting(2025, 15, 'Dutch Grand Prix', 'Zandvoort', 'Netherlands',
                'NED', '2025-08-31',
                days('2025-08-31', 'Practice 1', 'Practice 2',
                     ['Practice 3', no_path => 1], 'Qualifying', 'Race')),
        meeting(2025, 16, 'Italian Grand Prix', 'Monza', 'Italy', 'ITA',
                '2025-09-07', days('2025-09-07', @weekend)),
        meeting(2025, 19, 'United States Grand Prix', 'Austin',
                'United States', 'USA', '2025-10-19',
                days('2025-10-19', @sprint)),
        meeting(2025, 20, 'Mexico City Grand Prix', 'Mexico City', 'Mexico',
                'MEX', '2025-10-26',
                days('2025-10-26', @weekend)),
        meeting(2025, 21, "S\x{e3}o Paulo Grand Prix", "S\x{e3}o Paulo",
                'Brazil', 'BRA', '2025-11-09', days('2025-11-09', @sprint)),
        meeting(2025, 22, 'Las Vegas Grand Prix', 'Las Vegas',
                'United States', 'USA', '2025-11-22',
                days('2025-11-22', @weekend[0 .. 3]),
                ['2025-11-22', 'Race', start => $future]),
    ] },
    2018 => { Year => 2018, Meetings => [
        meeting(2018, 4, 'Azerbaijan Grand Prix', 'Baku', 'Azerbaijan',
                'AZE', '2018-04-29', days('2018-04-29', @weekend)),
    ] },
);

for my $year (keys %index) {
    # as the real files: a UTF-8 BOM first
    open my $fh, '>:raw', "$mirror/static/$year/Index.json" or die $!;
    print $fh "\xEF\xBB\xBF", JSON::PP->new->utf8->canonical->encode(
        $index{$year});
    close $fh;
}

# --- the fault server: a body cut short or dripping ---------------------------
#
# /once/<path>    the first answer for a path stops halfway through its
#                 Content-Length, later ones are whole
# /always/<path>  every answer stops halfway
# /chunked/<path> a chunked answer that stops inside its chunk
# /drip/<path>    the right Content-Length, then a byte every 0.1 s (for at
#                 most 15 s): never silent for a second, far too slow
#
# One process group (its pid): the accept loop, and a child per answer.

my $fault = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 16, ReuseAddr => 1)
    or die "fault server: $!";
my $fault_port = $fault->sockport;
{
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        setpgrp(0, 0);
        open STDOUT, '>', "$tmp/fault.log" or die;
        open STDERR, '>&', \*STDOUT or die;
        $SIG{ALRM} = 'DEFAULT';
        $SIG{PIPE} = 'IGNORE';
        $SIG{CHLD} = 'IGNORE';
        fault_server($fault);
        POSIX::_exit(0);
    }
    $fault_pid = $pid;
    close $fault;
}

sub fault_server {
    my ($listen) = @_;
    my %seen;

    while (1) {
        my $c = $listen->accept or next;
        my $head = '';
        while ($head !~ /\r\n\r\n/) {
            sysread($c, $head, 4096, length $head) or last;
        }
        my ($mode, $rel) = $head =~ m{^GET /(once|always|chunked|drip)/(\S+)};
        $rel //= '';
        $rel =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
        my $cut = ($mode // '') ne 'once' || !$seen{$rel}++;

        my $pid = fork;
        if (!defined $pid || $pid > 0) {
            close $c;
            next;
        }

        $c->autoflush(1);
        my $fh;
        if (!$mode || $rel =~ /\.\./ || !open($fh, '<:raw', "$mirror/$rel")) {
            print {$c} "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                       . "Connection: close\r\n\r\n";
            POSIX::_exit(0);
        }
        my $body = do { local $/; <$fh> };
        my $len = length $body;
        my $half = substr($body, 0, int($len / 2));

        print "$mode $rel " . ($cut ? 'cut' : 'whole') . "\n";

        if ($mode eq 'chunked') {
            print {$c} "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                       . "Connection: close\r\n\r\n"
                       . sprintf("%x\r\n", $len) . $half;
        } elsif ($mode eq 'drip') {
            print {$c} "HTTP/1.1 200 OK\r\nContent-Length: $len\r\n"
                       . "Connection: close\r\n\r\n";
            for my $i (0 .. 149) {
                last unless print {$c} substr($body, $i, 1);
                sleep 0.1;
            }
        } else {
            print {$c} "HTTP/1.1 200 OK\r\nContent-Length: $len\r\n"
                       . "Connection: close\r\n\r\n"
                       . ($cut ? $half : $body);
        }
        POSIX::_exit(0);
    }
}

# --- the mirror's nginx ------------------------------------------------------

my $port = free_port();
my $base = "http://127.0.0.1:$port";

my $prefix = nginx_prefix(<<"END");
    log_format fetch '\$request_uri \$status \$body_bytes_sent';
    limit_req_zone \$uri zone=once:1m rate=1r/m;

    server {
        listen 127.0.0.1:$port;
        root $mirror;
        access_log logs/access.log fetch;
        log_not_found off;
        proxy_http_version 1.1;

        location /static/ {
        }

        location /s3/static/ {
            try_files \$uri =403;
        }

        location /f500/ {
            limit_req zone=once;
            limit_req_status 429;
            error_page 429 = \@file;
            try_files /nonexistent =500;
        }

        location \@file {
        }

        location /e503/ {
            return 503;
        }

        location /slow/ {
        }

        location ~ ^/slow/.*/Position\\.z\\.jsonStream\$ {
            limit_rate_after 16k;
            limit_rate 200;
        }

        location /drip/ {
        }

        location ~ ^/drip/(.*/Position\\.z\\.jsonStream)\$ {
            proxy_pass http://127.0.0.1:$fault_port/drip/\$1;
            proxy_buffering off;
        }

        location /trunc1/ {
        }

        location ~ ^/trunc1/(.*/CarData\\.z\\.jsonStream)\$ {
            proxy_pass http://127.0.0.1:$fault_port/once/\$1;
        }

        location /trunc/ {
        }

        location ~ ^/trunc/(.*/CarData\\.z\\.jsonStream)\$ {
            proxy_pass http://127.0.0.1:$fault_port/always/\$1;
        }

        location /chunked/ {
        }

        location ~ ^/chunked/(.*/CarData\\.z\\.jsonStream)\$ {
            proxy_pass http://127.0.0.1:$fault_port/chunked/\$1;
        }

        location /gz/ {
            gzip_static always;
        }

        location /moved/ {
            rewrite ^/moved(/.*)\$ \$1 permanent;
        }

        location /loop/ {
            rewrite ^ \$uri redirect;
        }
    }
END

nginx_start($prefix);

# --- helpers -----------------------------------------------------------------

my @topics;
{
    my $file = "$root/ngx_f1_replay_module/ngx_f1_replay_loader.c";
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    my $c = <$fh>;
    my ($table) = $c =~ /ngx_f1_replay_loader_topics\[\]\s*=\s*\{(.*?)\n\};/s
        or die "no ngx_f1_replay_loader_topics[] in $file";
    while ($table =~ /\{\s*"([^"]+)",\s*(\d)/g) {
        push @topics, [$1, $2 ? 'required' : 'optional'];
    }
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or return '';
    local $/;
    return scalar <$fh>;
}

my $log_offset = 0;

# the mirror's requests since the last call: [uri, status]
sub requests {
    my $log = slurp("$prefix/logs/access.log");
    my $new = substr($log, $log_offset);
    $log_offset = length $log;
    return map { [split / /] } split /\n/, $new;
}

my @common = ('--rate', 100, '--backoff', 0.05, '--timeout', 5,
              '--retries', 2);

# runs the fetcher; opt: env => {...}, wrap => [command before it],
# raw => 1 (no common options, which come first: later options win),
# during => sub { my ($pid) = @_; ... } while it runs;
# returns { rc, out, err }
sub fetch {
    my ($opt, @args) = @_;
    my @cmd = (@{ $opt->{wrap} || [] }, $python, $fetcher,
               $opt->{raw} ? () : @common, @args);

    requests();

    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$tmp/out" or die;
        open STDERR, '>', "$tmp/err" or die;
        delete @ENV{qw(http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
                       all_proxy ALL_PROXY)};
        $ENV{F1_REPLAY_INSPECT} = $inspect;
        $SIG{INT} = 'DEFAULT';
        while (my ($k, $v) = each %{ $opt->{env} || {} }) {
            if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
        }
        exec @cmd;
        die "exec: $!";
    }
    $fetch_pid = $pid;
    $opt->{during}->($pid) if $opt->{during};
    waitpid($pid, 0);
    $fetch_pid = undef;

    return { rc => $? >> 8, out => slurp("$tmp/out"),
             err => slurp("$tmp/err") };
}

# every <Topic>.jsonStream under $dir equals its source; no .part file
sub sound {
    my ($dir, $name, $skip) = @_;
    my (@bad, $n);

    find({ no_chdir => 1, wanted => sub {
        my $f = $File::Find::name;
        return $File::Find::prune = 1 if $skip && $f eq $skip;
        return unless -f $f;
        if ($f =~ /\.part$/) {
            push @bad, "$f: a .part file left";
        } elsif ($f =~ /\.jsonStream$/) {
            my $folder = basename(dirname($f));
            my $from = $source_of{$folder}
                or return push @bad, "$f: unexpected folder";
            $n++;
            push @bad, "$f: differs from its source"
                if compare($f, "$from/" . basename($f)) != 0;
        }
    } }, $dir) if -d $dir;

    ok(!@bad, "$name: every topic file in the cache is whole, no .part"
              . " (" . ($n // 0) . " files)") or diag(join "\n", @bad);
}

# the folder holds exactly the loader's topics the source has, byte for
# byte, and loads with f1-replay-inspect
sub complete {
    my ($dir, $from, $name) = @_;

    my @want = grep { -e "$from/$_.jsonStream" } map { $_->[0] } @topics;
    opendir my $dh, $dir or return fail("$name: no folder $dir");
    my @have = sort grep { /\.jsonStream$/ } readdir $dh;
    closedir $dh;

    is_deeply(\@have, [sort map { "$_.jsonStream" } @want],
              "$name: the loader's topics that the archive has, no other");
    is(scalar(grep { compare("$dir/$_", "$from/$_") != 0 } @have), 0,
       "$name: each equal to the archive's file byte for byte");

    my $out = `$inspect $dir 2>&1`;
    is($? >> 8, 0, "$name: f1-replay-inspect loads it") or diag($out);

    my $m = eval { decode_json(slurp("$dir/.f1-replay-fetch.json")) } || {};
    ok($m->{complete}, "$name: the manifest says complete");
}

sub fetched_topics {
    my (@req) = @_;
    my %n;
    for (@req) {
        $n{$1}++ if $_->[0] =~ m{/([^/]+)\.jsonStream$};
    }
    return \%n;
}

my $cache = "$tmp/cache";
my ($r, @req);

# --- the command line --------------------------------------------------------

$r = fetch({ raw => 1 }, '--help');
is($r->{rc}, 0, '--help');
like($r->{out}, qr/usage: f1-replay-fetch .*YEAR \[EVENT\] \[SESSION\]/s,
     '... shows the usage');

$r = fetch({ raw => 1 }, '--topics');
is_deeply([map { [split] } split /\n/, $r->{out}], \@topics,
          'the topics fetched are the loader\'s ngx_f1_replay_loader_topics[] '
          . '(' . scalar(@topics) . ', required flags too)');

$r = fetch({}, '2025', '--base', "$base/static/", '--cache', $cache);
is($r->{rc}, 0, 'YEAR alone lists the meetings');
like($r->{out}, qr/round 15\s+Dutch Grand Prix\s+\(Zandvoort, Netherlands\)/,
     '... with round, name, location and country');
like($r->{out}, qr/Pre-Season Testing/, '... testing too (no round)');

$r = fetch({}, '2025', 'dutch', '--base', "$base/static/", '--cache', $cache);
is($r->{rc}, 0, 'YEAR EVENT lists the sessions');
like($r->{out}, qr/Practice 1\s+FP1 .*Qualifying\s+Q .*Race\s+R /s,
     '... with their short forms');

# --- unknown and ambiguous input ---------------------------------------------

my @b = ('--base', "$base/static/", '--cache', $cache);

$r = fetch({}, '2025', 'atlantis', 'race', @b);
is($r->{rc}, 2, 'an unknown meeting: exit 2');
like($r->{err}, qr/no meeting of 2025 matches "atlantis"; the candidates:/,
     '... says so');
is(scalar(() = $r->{err} =~ /^  (?:round|\s{8})/mg), 9,
   '... and lists all 9 meetings of 2025');

$r = fetch({}, '2025', 'United States', 'R', @b);
is($r->{rc}, 2, 'an ambiguous country: exit 2');
like($r->{err}, qr/"United States" matches 3 meetings of 2025/, '... says so');
like($r->{err}, qr/Miami.*United States Grand Prix.*Las Vegas/s,
     '... and lists the three');
unlike($r->{err}, qr/Dutch/, '... and no other');

$r = fetch({}, '2025', 'grand prix', 'R', @b);
is($r->{rc}, 2, '"grand prix" is ambiguous');
like($r->{err}, qr/matches 8 meetings/, '... 8 candidates');

$r = fetch({}, '2025', 'italy', 'R', @b);
like($r->{err}, qr/Emilia Romagna.*Italian/s, '"italy": Imola and Monza');

$r = fetch({}, '2025', '99', 'R', @b);
is($r->{rc}, 2, 'an unknown round: exit 2');
like($r->{err}, qr/no meeting of 2025 is round 99/, '... says so');

$r = fetch({}, '2025', 'dutch', 'S', @b);
is($r->{rc}, 2, 'no sprint at Zandvoort: exit 2');
like($r->{err}, qr/no session "S" of the 2025 Dutch Grand Prix; its sessions:/,
     '... says so');
like($r->{err}, qr/Practice 1\s+FP1.*Race\s+R/s, '... lists the sessions');

$r = fetch({}, '2025', 'dutch', 'practice', @b);
is($r->{rc}, 2, '"practice" is ambiguous');
like($r->{err}, qr/"practice" matches 3 sessions/, '... 3 candidates');

ok(!-e $cache || !glob("$cache/20*"), 'no session folder was created');
requests();

# --- a whole session: name by location, short form ---------------------------

my $dutch = "$cache/2025-dutch-grand-prix-race";

$r = fetch({}, '2025', 'ZANDVOORT', 'r', @b);
is($r->{rc}, 0, 'fetch 2025 ZANDVOORT r') or diag($r->{err});
is($r->{out},
   "f1_replay_session dutch path=$dutch zone=f1_dutch:64m;\n",
   '... prints the f1_replay_session line (64m for the telemetry race)');
unlike($r->{err}, qr/\r/, '... no progress bar when stderr is no terminal');
like($r->{err}, qr/not in the archive: Heartbeat, RaceControlMessages, WeatherData/,
     '... names the topics the archive lacks');
complete($dutch, $src{dutch}, 'Dutch GP race');
sound($cache, 'Dutch GP race');

@req = requests();
my $n = fetched_topics(@req);
is_deeply([sort grep { $n->{$_} != 1 } keys %$n], [],
          '... each topic requested once');
is(scalar(keys %$n), scalar(@topics), '... every loader topic asked for');

# again: nothing fetched (only the index)
$r = fetch({}, '2025', 'dutch', 'race', @b);
is($r->{rc}, 0, 'the same session again');
@req = requests();
is_deeply([map { $_->[0] } @req], ['/static/2025/Index.json'],
          '... asks for the index only: complete files are skipped');
like($r->{out}, qr/^f1_replay_session dutch /, '... and prints the line');

# a file gone, another changed: exactly those two again
unlink "$dutch/TimingData.jsonStream";
{
    chmod 0644, "$dutch/LapCount.jsonStream";
    open my $fh, '>>:raw', "$dutch/LapCount.jsonStream" or die;
    print $fh "00:00:00.000{}\r\n";
    close $fh;
}
$r = fetch({}, '2025', '15', 'R', @b);
is($r->{rc}, 0, 'a file deleted, another changed, by round number');
is_deeply(fetched_topics(requests()), { TimingData => 1, LapCount => 1 },
          '... only those two fetched again');
complete($dutch, $src{dutch}, '... again');

$r = fetch({}, '2025', 'dutch', 'race', '--force', @b);
is($r->{rc}, 0, '--force');
is(scalar(keys %{ fetched_topics(requests()) }), scalar(@topics),
   '... asks for every topic again');

# the index saved: a complete session needs no network
my $closed = free_port();
$r = fetch({}, '2025', 'dutch', 'race', '--base', "http://127.0.0.1:$closed/",
           '--cache', $cache, '--retries', 0);
is($r->{rc}, 0, 'offline, a complete session: the saved index is used');
like($r->{err}, qr/using the index saved at \Q$cache\E\/\.index\/2025\.json/,
     '... and says so');

# --- other sessions: country, round, accents, the 2018 archive with a BOM ----

$r = fetch({}, '2025', 'mexico', 'q', @b, '--progress');
is($r->{rc}, 0, 'fetch 2025 mexico q (country name wins over the location)')
    or diag($r->{err});
like($r->{out}, qr/^f1_replay_session mexico_city_qualifying path=\Q$cache\E\/2025-mexico-city-grand-prix-qualifying zone=f1_mexico_city_qualifying:32m;$/,
     '... line with a 32m zone');
like($r->{err}, qr/\r\e\[K\[11\/12\] CarData\.z +3\.0 MB\n/,
     '... --progress draws a progress line per file');
complete("$cache/2025-mexico-city-grand-prix-qualifying", $src{quali},
         'Mexico City qualifying');
is(scalar(grep { $_->[0] =~ /TimingStats|TopThree|TeamRadio/ } requests()),
   0, '... topics the loader does not read are not fetched');

$r = fetch({}, '2025', 'MEX', 'Race', @b);
is($r->{rc}, 0, 'fetch 2025 MEX Race (timing only)') or diag($r->{err});
like($r->{out}, qr/zone=f1_mexico_city:4m;/, '... 4m zone');
like($r->{err}, qr/not in the archive: CarData\.z, Position\.z, TimingData/,
     '... CarData.z, Position.z, TimingData absent (404)');
complete("$cache/2025-mexico-city-grand-prix-race", $src{mexico},
         'Mexico City race');

$r = fetch({}, '2025', 'sao paulo', 'S', @b);
is($r->{rc}, 0, 'fetch 2025 "sao paulo" S (path with an accent)')
    or diag($r->{err});
complete("$cache/2025-sao-paulo-grand-prix-sprint", $src{mexico},
         "S\x{e3}o Paulo sprint");
ok((grep { $_->[0] =~ m{/2025-11-09_S%C3%A3o_Paulo_Grand_Prix/} }
    requests()), '... URL percent-encoded');

$r = fetch({}, '2018', 'baku', 'race', @b);
is($r->{rc}, 0, 'fetch 2018 baku race') or diag($r->{err});
complete("$cache/2018-azerbaijan-grand-prix-race", $src{baku},
         '2018 Azerbaijan (BOM kept)');
sound($cache, 'all sessions so far');

# --- the default cache -------------------------------------------------------

$r = fetch({ env => { XDG_CACHE_HOME => "$tmp/xdg" } }, '2025', 'mexico',
           'race', '--base', "$base/static/");
is($r->{rc}, 0, 'no --cache, XDG_CACHE_HOME set');
ok(-f "$tmp/xdg/f1-replay/2025-mexico-city-grand-prix-race/"
      . 'SessionInfo.jsonStream', '... $XDG_CACHE_HOME/f1-replay/<session>');

$r = fetch({ env => { XDG_CACHE_HOME => undef, HOME => "$tmp/home" } },
           '2025', 'mexico', 'race', '--base', "$base/static/");
is($r->{rc}, 0, 'no --cache, no XDG_CACHE_HOME');
ok(-f "$tmp/home/.cache/f1-replay/2025-mexico-city-grand-prix-race/"
      . 'SessionInfo.jsonStream', '... ~/.cache/f1-replay/<session>');

# --- a 500 once per file: retried --------------------------------------------

my $c500 = "$tmp/c500";
$r = fetch({}, '2025', 'mexico', 'race', '--base', "$base/f500/static/",
           '--cache', $c500);
is($r->{rc}, 0, 'HTTP 500 on the first request of every file: done')
    or diag($r->{err});
like($r->{err}, qr/SessionInfo\.jsonStream: HTTP 500 Internal Server Error from 127\.0\.0\.1:\d+; retrying in [\d.]+ s \(attempt 2 of 3\)/,
     '... says what it retries');
@req = grep { $_->[0] =~ /jsonStream$/ } requests();
is_deeply([map { $_->[1] } grep { $_->[0] =~ /SessionInfo/ } @req],
          [500, 200], '... SessionInfo: 500, then 200');
is_deeply([map { $_->[1] } grep { $_->[0] =~ /CarData/ } @req],
          [500, 404], '... CarData.z: 500, then 404 (absent)');
complete("$c500/2025-mexico-city-grand-prix-race", $src{mexico},
         '... the session');

# --- 503 always: stops -------------------------------------------------------

my $c503 = "$tmp/c503";
$r = fetch({}, '2025', 'mexico', 'race', '--base', "$base/e503/static/",
           '--cache', $c503);
is($r->{rc}, 4, 'HTTP 503 always (the index too): exit 4');
like($r->{err}, qr/error: network failure fetching 2025\/Index\.json: HTTP 503 Service Unavailable from 127\.0\.0\.1:\d+ \(gave up after 3 attempts\)/,
     '... a clear error');
ok(!-d "$c503/2025-mexico-city-grand-prix-race", '... no session folder');

# --- a body cut short --------------------------------------------------------

my $car = -s "$src{quali}/CarData.z.jsonStream";
my $half = int($car / 2);
my $ctr = "$tmp/ctrunc";
$r = fetch({}, '2025', 'mexico', 'qualifying', '--base',
           "$base/trunc1/static/", '--cache', $ctr);
is($r->{rc}, 0, 'CarData.z cut short once: done') or diag($r->{err});
like($r->{err}, qr/CarData\.z\.jsonStream: truncated body from 127\.0\.0\.1:\d+: $half of $car bytes \(the connection closed early\); retrying/,
     '... retried after a clear message');
is_deeply([map { $_->[1] } grep { $_->[0] =~ /CarData/ } requests()],
          [200, 200], '... CarData.z asked twice');
complete("$ctr/2025-mexico-city-grand-prix-qualifying", $src{quali},
         '... the session');

$ctr = "$tmp/ctrunc2";
$r = fetch({}, '2025', 'mexico', 'qualifying', '--base',
           "$base/trunc/static/", '--cache', $ctr);
is($r->{rc}, 4, 'CarData.z always cut short: exit 4');
like($r->{err}, qr/error: network failure fetching CarData\.z\.jsonStream: truncated body .*$half of $car bytes.*\(gave up after 3 attempts\); run the same command again to resume/,
     '... a clear error');
my $qdir = "$ctr/2025-mexico-city-grand-prix-qualifying";
ok(!-e "$qdir/CarData.z.jsonStream", '... no CarData.z.jsonStream');
sound($ctr, '... the cache');
my $man = eval { decode_json(slurp("$qdir/.f1-replay-fetch.json")) } || {};
ok(!$man->{complete} && $man->{files}{'TimingData.jsonStream'}
   && !$man->{files}{'CarData.z.jsonStream'},
   '... the manifest: TimingData complete, CarData.z not, session not');
requests();

$r = fetch({}, '2025', 'mexico', 'qualifying', '--base', "$base/static/",
           '--cache', $ctr);
is($r->{rc}, 0, '... resumed from the plain mirror');
is_deeply(fetched_topics(requests()), { 'CarData.z' => 1, 'Position.z' => 1 },
          '... fetching only CarData.z and the topic after it');
complete($qdir, $src{quali}, '... the session');

$ctr = "$tmp/cchunked";
$r = fetch({}, '2025', 'mexico', 'qualifying', '--base',
           "$base/chunked/static/", '--cache', $ctr);
is($r->{rc}, 4, 'a chunked CarData.z cut short: exit 4');
like($r->{err}, qr/error: network failure fetching CarData\.z\.jsonStream: truncated body from 127\.0\.0\.1:\d+: the connection closed after \d+ bytes/,
     '... a clear error');
ok(!-e "$ctr/2025-mexico-city-grand-prix-qualifying/CarData.z.jsonStream",
   '... no CarData.z.jsonStream');
sound($ctr, '... the cache');

# --- a slow body -------------------------------------------------------------

# nginx's limit_rate sends in bursts: a gap of a second or more ("no data")
# or a slow second ("too slow"), both a timeout
my $cslow = "$tmp/cslow";
my $t0 = time;
$r = fetch({}, '2025', 'mexico', 'q', '--base', "$base/slow/static/",
           '--cache', $cslow, '--timeout', 1, '--retries', 1);
is($r->{rc}, 4, 'Position.z at 200 bytes/s after 16 KB, --timeout 1: exit 4');
like($r->{err}, qr/error: network failure fetching Position\.z\.jsonStream: (?:too slow: \d+ bytes from 127\.0\.0\.1:\d+ in \d\.\d s \(under 1024 bytes\/s\)|timed out: no data from 127\.0\.0\.1:\d+ for 1 s).*\(gave up after 2 attempts\)/,
     '... a clear error');
cmp_ok(time - $t0, '<', 15, '... within a few seconds (' . int(time - $t0)
                             . ' s)');
my $sdir = "$cslow/2025-mexico-city-grand-prix-qualifying";
ok(!-e "$sdir/Position.z.jsonStream", '... no Position.z.jsonStream');
ok(-e "$sdir/CarData.z.jsonStream", '... the files before it are kept');
sound($cslow, '... the cache');

# a byte every 0.1 s: never silent for a second, but far too slow
$cslow = "$tmp/cdrip";
$t0 = time;
$r = fetch({}, '2025', 'mexico', 'q', '--base', "$base/drip/static/",
           '--cache', $cslow, '--timeout', 1, '--retries', 1);
is($r->{rc}, 4, 'Position.z at 10 bytes/s, --timeout 1: exit 4');
like($r->{err}, qr/error: network failure fetching Position\.z\.jsonStream: too slow: \d+ bytes from 127\.0\.0\.1:\d+ in 1\.\d s \(under 1024 bytes\/s\), \d+ bytes received \(gave up after 2 attempts\)/,
     '... a clear error: too slow');
cmp_ok(time - $t0, '<', 15, '... within a few seconds (' . int(time - $t0)
                             . ' s)');
$sdir = "$cslow/2025-mexico-city-grand-prix-qualifying";
ok(!-e "$sdir/Position.z.jsonStream", '... no Position.z.jsonStream');
sound($cslow, '... the cache');
requests();

$r = fetch({}, '2025', 'mexico', 'q', '--base', "$base/static/",
           '--cache', $cslow);
is($r->{rc}, 0, '... resumed from the plain mirror');
is_deeply(fetched_topics(requests()), { 'Position.z' => 1 },
          '... fetching only Position.z');
complete($sdir, $src{quali}, '... the session');

# Ctrl-C in the middle of a file
my $cint = "$tmp/cint";
my $idir = "$cint/2025-mexico-city-grand-prix-qualifying";
$r = fetch({ during => sub {
                 for (1 .. 100) {
                     last if -e "$idir/Position.z.jsonStream.part";
                     sleep 0.1;
                 }
                 kill 'INT', $_[0];
             } },
           '2025', 'mexico', 'q', '--base', "$base/slow/static/",
           '--cache', $cint, '--timeout', 30);
is($r->{rc}, 130, 'SIGINT (Ctrl-C) while Position.z comes in: exit 130');
like($r->{err}, qr/interrupted; complete files are kept: run the same command again to resume/,
     '... says so');
ok(!-e "$idir/Position.z.jsonStream.part", '... the .part removed');
ok(-e "$idir/CarData.z.jsonStream", '... the complete files kept');
sound($cint, '... the cache');

# SIGTERM: the same
$cint = "$tmp/cterm";
$idir = "$cint/2025-mexico-city-grand-prix-qualifying";
$r = fetch({ during => sub {
                 for (1 .. 100) {
                     last if -e "$idir/Position.z.jsonStream.part";
                     sleep 0.1;
                 }
                 kill 'TERM', $_[0];
             } },
           '2025', 'mexico', 'q', '--base', "$base/slow/static/",
           '--cache', $cint, '--timeout', 30);
is($r->{rc}, 143, 'SIGTERM while Position.z comes in: exit 143');
like($r->{err}, qr/terminated; complete files are kept/, '... says so');
ok(!-e "$idir/Position.z.jsonStream.part", '... the .part removed');
sound($cint, '... the cache');

# --- not published -----------------------------------------------------------

my $cnp = "$tmp/cnp";
$r = fetch({}, '2025', 'dutch', 'FP1', '--base', "$base/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'SessionInfo 404: exit 3');
like($r->{err}, qr/error: 2025 Dutch Grand Prix, Practice 1 is not published \(yet\): http:\S+\/2025-08-29_Practice_1\/SessionInfo\.jsonStream answers HTTP 404; F1 has not published an archive for it/,
     '... a clear error');
ok(!-d "$cnp/2025-dutch-grand-prix-practice-1", '... no folder left');

$r = fetch({}, '2025', 'dutch', 'q', '--base', "$base/s3/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'SessionInfo 403 (as S3 answers): exit 3');
like($r->{err}, qr/Qualifying is not published \(yet\): .* answers HTTP 403/,
     '... the same error');

$r = fetch({}, '2025', 'dutch', 'fp2', '--base', "$base/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'SessionInfo there, DriverList 404: exit 3');
like($r->{err}, qr/Practice 2 is not published completely \(yet\): \S+DriverList\.jsonStream answers HTTP 404 but the loader needs it/,
     '... a clear error');
ok(!-e "$cnp/2025-dutch-grand-prix-practice-2/DriverList.jsonStream",
   '... the folder cannot load (no DriverList)');
sound($cnp, '... the cache');

$r = fetch({}, '2025', 'dutch', 'fp3', '--base', "$base/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'a session without a Path in the index: exit 3');
like($r->{err}, qr/Practice 3 is not published \(yet\): the index has no path/,
     '... says so');

$r = fetch({}, '2025', 'las vegas', 'race', '--base', "$base/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'a session two days ahead: exit 3');
like($r->{err}, qr/the session starts \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
     '... says when it starts');

$r = fetch({}, '2031', 'dutch', 'race', '--base', "$base/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'no Index.json for 2031: exit 3');
like($r->{err}, qr/no archive index for 2031 at \S+\/static\/2031\/Index\.json \(HTTP 404\): not published \(yet\)\?/,
     '... says so');

$r = fetch({}, '2025', 'brazil', 'SQ', '--base', "$base/s3/static/",
           '--cache', $cnp);
is($r->{rc}, 3, 'SQ is Sprint Qualifying (not in the mirror: 403)');
like($r->{err}, qr/S\x{c3}\x{a3}o Paulo Grand Prix, Sprint Qualifying is not published/,
     '... named in the error');

# --- redirects ---------------------------------------------------------------

my $cmv = "$tmp/cmoved";
$r = fetch({}, '2025', 'mexico', 'race', '--base', "$base/moved/static/",
           '--cache', $cmv);
is($r->{rc}, 0, 'every URL redirected (301): followed') or diag($r->{err});
@req = requests();
is(scalar(grep { $_->[1] == 301 } @req), 13,
   '... 13 redirects (index and 12 topics)');
complete("$cmv/2025-mexico-city-grand-prix-race", $src{mexico},
         '... the session');

$r = fetch({}, '2025', 'mexico', 'race', '--base', "$base/loop/static/",
           '--cache', $cmv . '2');
is($r->{rc}, 4, 'a redirect loop: exit 4');
like($r->{err}, qr/error: fetching 2025\/Index\.json: too many redirects \(more than 5\) from \S+\/loop\/static\/2025\/Index\.json/,
     '... a clear error');
is(scalar(requests()), 6, '... after 6 requests');

# --- a gzip body --------------------------------------------------------------

$r = fetch({}, '2025', 'mexico', 'race', '--base', "$base/gz/static/",
           '--cache', "$tmp/cgz");
is($r->{rc}, 0, 'gzip sent although identity was asked for: done')
    or diag($r->{err});
my ($si) = grep { $_->[0] =~ /SessionInfo/ } requests();
ok($si && $si->[2] < -s "$src{mexico}/SessionInfo.jsonStream",
   '... the mirror sent fewer bytes than the file (gzip)');
complete("$tmp/cgz/2025-mexico-city-grand-prix-race", $src{mexico},
         '... the session, inflated');

# --- a network failure -------------------------------------------------------

$r = fetch({}, '2025', 'mexico', 'race', '--base',
           "http://127.0.0.1:$closed/static/", '--cache', "$tmp/cnet");
is($r->{rc}, 4, 'nothing listening: exit 4');
like($r->{err}, qr/error: network failure fetching 2025\/Index\.json: cannot connect to 127\.0\.0\.1:$closed: Connection refused \(gave up after 3 attempts\)/,
     '... a clear error');
ok(!-d "$tmp/cnet/2025-mexico-city-grand-prix-race", '... no folder');

# --- disk full ---------------------------------------------------------------

my $cfull = "$tmp/cfull";
$r = fetch({ wrap => ['/bin/bash', '-c', 'ulimit -f 4096 && exec "$@"',
                      'bash'] }, '2025', 'dutch', 'race',
           '--base', "$base/static/", '--cache', $cfull);
is($r->{rc}, 5, 'a 4 MiB file size limit (ulimit -f): exit 5');
like($r->{err}, qr/error: file too large writing \S+\/CarData\.z\.jsonStream\.part \(File too large: the file size limit, ulimit -f, or the filesystem's\); the partial file was removed/,
     '... a clear error');
my $fdir = "$cfull/2025-dutch-grand-prix-race";
ok(-e "$fdir/TimingData.jsonStream", '... the files before it are kept');
ok(!-e "$fdir/CarData.z.jsonStream", '... no CarData.z.jsonStream');
sound($cfull, '... the cache');
requests();

$r = fetch({}, '2025', 'dutch', 'race', '--base', "$base/static/",
           '--cache', $cfull);
is($r->{rc}, 0, '... resumed without the limit');
is_deeply(fetched_topics(requests()), { 'CarData.z' => 1, 'Position.z' => 1 },
          '... fetching only CarData.z and Position.z');
complete($fdir, $src{dutch}, '... the session');

SKIP: {
    my @ns = ('unshare', '--mount', '--propagation', 'private');

    skip 'a real full disk needs root and unshare (a private tmpfs)', 5
        unless $> == 0 && system("@ns true 2>/dev/null") == 0;

    # a 2 MiB tmpfs in a private mount namespace, gone with the shell that
    # mounted it: the fetcher runs inside and the shell lists what is left
    my $cdisk = "$tmp/cdisk";
    mkdir $cdisk;
    $r = fetch({ wrap => [@ns, '/bin/bash', '-c',
                          "mount -t tmpfs -o size=2m f1-fetch-test $cdisk"
                          . ' || exit 99; "$@"; rc=$?;'
                          . " find $cdisk -type f | sort > $tmp/listing;"
                          . ' exit $rc', 'bash'] },
               '2025', 'dutch', 'race', '--base', "$base/static/",
               '--cache', $cdisk);
    $r->{rc} == 99 and skip 'cannot mount a tmpfs here', 5;
    is($r->{rc}, 5, 'a 2 MiB tmpfs: exit 5');
    like($r->{err}, qr/error: disk full writing \S+\/CarData\.z\.jsonStream\.part \(No space left on device\); the partial file was removed; free some space in \S+ and run the same command again/,
         '... a clear error');
    my @files = split /\n/, slurp("$tmp/listing");
    ok((grep { /TimingData\.jsonStream$/ } @files),
       '... the files before it were kept');
    is(scalar(grep { /CarData|\.part$/ } @files), 0,
       '... no CarData.z file, no .part');
    ok(slurp('/proc/self/mounts') !~ /f1-fetch-test/,
       '... (the tmpfs was private to the fetch)');
}

# --- one fetcher per folder --------------------------------------------------

{
    open my $lk, '>>', "$dutch/.f1-replay-fetch.lock" or die $!;
    flock($lk, LOCK_EX | LOCK_NB) or die "flock: $!";
    $r = fetch({}, '2025', 'dutch', 'race', @b);
    is($r->{rc}, 1, 'a second fetcher on the same folder: exit 1');
    like($r->{err}, qr/another f1-replay-fetch is fetching into \Q$dutch\E/,
         '... says so');
    close $lk;
}

# --- no inspect tool ---------------------------------------------------------

$r = fetch({ env => { F1_REPLAY_INSPECT => "$tmp/none" } }, '2025', 'mexico',
           'race', @b);
is($r->{rc}, 0, 'no f1-replay-inspect: still done');
like($r->{err}, qr/f1-replay-inspect not found \(build it with `make -C scripts\/tools`/,
     '... says how to build it');
like($r->{out}, qr/zone=f1_mexico_city:64m;/, '... and guesses 64m');

$r = fetch({}, '2025', 'mexico', 'race', '--print-dir', @b);
is($r->{out}, "$cache/2025-mexico-city-grand-prix-race\n",
   '--print-dir prints the folder');

sound($tmp, 'everything the test fetched', $mirror);

# --- the mirror --------------------------------------------------------------

my @bad = grep { !/upstream prematurely closed|limiting requests/ }
          bad_log_lines($prefix);
is(scalar @bad, 0, 'the mirror logged no error but the injected ones')
    or diag(@bad);

done_testing();
