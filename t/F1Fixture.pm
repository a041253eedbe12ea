package F1Fixture;

# Test helpers shared by the .t files (plain Perl, works under the real
# Test::Nginx and under the project's own runner alike):
#
#   data_dir()          the real recorded sessions: $TEST_NGINX_DATA, else
#                       $F1_REPLAY_DATA, else ../shared/data beside the repo;
#                       exported back as $TEST_NGINX_DATA for the configs
#   fixture(%topics)    a temporary archive: the hand-written t/fixtures/patch
#                       archive with topics replaced (Topic => text) or
#                       removed (Topic => undef); returns its directory
#   z_line($t, $json)   one .z line: time + JSON string of base64 raw DEFLATE
#   tools()             build/tools (f1-replay-inspect, unit tests)
#   nginx_prefix($http) a temporary nginx prefix with conf/nginx.conf for
#                       the plain-Perl tests that drive nginx themselves
#                       (nginx -t, reload): $TEST_NGINX_BINARY and
#                       $TEST_NGINX_LOAD_MODULES as Test::Nginx uses them

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Spec;
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use Compress::Raw::Zlib;

our @EXPORT_OK = qw(data_dir fixture z_line tools nginx_prefix nginx_binary);

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

sub fixture {
    my (%topics) = @_;

    my $base = "$t_dir/fixtures/patch";
    my $dir = tempdir('f1-fixture-XXXXXX', TMPDIR => 1, CLEANUP => 1);

    chmod 0755, $dir;

    opendir my $dh, $base or die "$base: $!";
    for my $f (grep { /\.jsonStream$/ } readdir $dh) {
        copy("$base/$f", "$dir/$f") or die "copy $f: $!";
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
