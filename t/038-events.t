# One event model, seen from both ends: every recorded session and the
# hand-written archives played whole at 50x over a WebSocket, at once, and
# the events on the stream compared with the timeline's (same ids, types,
# cars, times, in order); the summary's, the state's and the timeline's
# pit stops agree for every car (t/events_check.py).  Plain Test::More
# driving one nginx master, stopped by pid however the test ends.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir fixture_named nginx_prefix nginx_start nginx_stop
                 bad_log_lines free_port time_limit run_check);

my $data = data_dir();
my $python = '/usr/bin/python3';

plan(skip_all => 'python3 not found') unless -x $python;

# the longest session, the Mexico City race, is 2 h 42 min: 195 s at 50x

time_limit(600);

my %dirs = map { $_ => fixture_named($_) } qw(patch first_lap no_timing);

for my $name (qw(2025-dutch-grand-prix-race
                 2025-mexico-city-grand-prix-qualifying
                 2025-mexico-city-grand-prix-race
                 2018-azerbaijan-grand-prix-race))
{
    $dirs{$name} = "$data/$name" if -d "$data/$name";
}

diag('recorded sessions not found in ' . $data) if keys %dirs == 3;

my ($port) = free_port(1);

my ($sessions, $locations) = ('', '');
my $n = 0;

for my $name (sort keys %dirs) {
    my $size = $name =~ /dutch/ ? '64m' : $name =~ /qualifying/ ? '32m'
                                        : '4m';
    $n++;

    $sessions .= "    f1_replay_session $name path=$dirs{$name} "
                 . "zone=z$n:$size start=00:00:00 loop=off;\n";
    $locations .= <<"END";
        location = /ws/$name {
            f1_replay $name;
        }
        location /control/$name/ {
            f1_replay_control $name;
        }
        location = /info/$name {
            f1_replay_info $name;
        }
END
}

my $prefix = nginx_prefix(<<"END", master => 1);
$sessions
    server {
        listen 127.0.0.1:$port;
        f1_replay_max_messages 100;
$locations
    }
END

system('sed', '-i', 's|^worker_processes 1;|worker_processes 2;|',
       "$prefix/conf/nginx.conf") == 0 or die;

my $pid = nginx_start($prefix);

my $res = run_check('the stream has exactly the timeline\'s events, and the '
                    . 'pit stops agree',
                    "$python $FindBin::Bin/events_check.py 127.0.0.1 $port "
                    . join(' ', sort keys %dirs));

for my $name (sort keys %dirs) {
    my $r = $res->{$name} // {};

    cmp_ok($r->{events} // 0, '>', 0,
           "$name: $r->{events} events of $r->{kinds} kinds from "
           . "$r->{from} to $r->{to} ms");
}

nginx_stop($pid);

my @bad = bad_log_lines($prefix);
is(scalar @bad, 0, 'no [alert], [crit], [error] or sanitizer report')
    or diag(@bad);

done_testing();
