# The example configurations in conf/ are valid nginx configurations:
# each is rendered with this machine's paths (module, data, a self-signed
# certificate, a password file) and passes "nginx -t".  The production
# example protects its control location with allow/deny and auth_basic
# and its status location with allow/deny.  Plain Test::More.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(data_dir nginx_binary);

my $data = data_dir();

plan(skip_all => "recorded sessions not found in $data")
    unless -d "$data/2025-dutch-grand-prix-race";

my $conf = "$FindBin::Bin/../conf";
my $nginx = nginx_binary();
my $module = (split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || ''))[0];
my $dir = tempdir('f1-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    return <$fh>;
}

sub nginx_t {
    my ($name, $text) = @_;

    # a statically built nginx (the sanitizer build) has the module in it
    if ($module) {
        $text =~ s{^load_module \S+;}{load_module $module;}m;
    } else {
        $text =~ s{^load_module \S+;}{}m;
    }

    open my $fh, '>', "$dir/$name" or die;
    print $fh $text;
    close $fh;

    my $g = $text =~ /^pid /m ? '' : "-g 'pid $dir/nginx.pid;'";
    my $out = `$nginx -t -p $dir/ -c $dir/$name -e $dir/error.log $g 2>&1`;
    is($? >> 8, 0, "$name passes nginx -t") or diag($out);
    unlike($out, qr/\[(error|alert|crit|emerg)\]|Sanitizer|runtime error:/,
           "... without errors");
}

# the quick-start template, rendered as scripts/start.sh does

my $quick = slurp("$conf/f1-replay.conf");
$quick =~ s/\@MODULE\@/$module || 'none'/ge;
$quick =~ s/\@DATA\@/$data/g;
$quick =~ s/\@SESSION\@/2025-dutch-grand-prix-race/g;
$quick =~ s/\@PREFIX\@/$dir/g;
$quick =~ s/\@HTML\@/$FindBin::Bin\/..\/html/g;
$quick =~ s/\@LISTEN\@/127.0.0.1:1/g;
my $group = getgrgid((getpwnam('nobody'))[3]);
$quick =~ s/^user \@USER\@;$/$> == 0 ? "user nobody $group;" : ''/me;
mkdir "$dir/tmp";
nginx_t('f1-replay.conf', $quick);
like($quick, qr#location /control/ \{\s+allow 127\.0\.0\.1;\s+deny all;\s+f1_replay_control dutch;#s,
     '... its control location is for 127.0.0.1 only');
like($quick, qr#location / \{\s+root \S+/html;#s, '... the dashboard at /');
like($quick, qr#location = /info \{\s+f1_replay_info dutch;#s,
     '... the session summary at /info');

# the production example, with a self-signed certificate and a password

system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test "
       . "-keyout $dir/key.pem -out $dir/cert.pem >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl req failed');
open my $pw, '>', "$dir/htpasswd" or die;
print $pw 'op:' . `openssl passwd -apr1 secret`;
close $pw;

my $prod = slurp("$conf/f1-replay-production.conf");
like($prod, qr#location /control/ \{[^}]*allow [^}]*deny all;[^}]*auth_basic "[^"]+";[^}]*f1_replay_control dutch;#s,
     'production: control behind allow/deny and auth_basic');
like($prod, qr#location = /status \{[^}]*allow [^}]*deny all;[^}]*f1_replay_status;#s,
     'production: status behind allow/deny');
like($prod, qr{anchor=\S+Z}, 'production: a wall-clock anchor');

$prod =~ s{/srv/f1}{$data}g;
$prod =~ s{/etc/ssl/replay\.example\.org\.crt}{$dir/cert.pem};
$prod =~ s{/etc/ssl/replay\.example\.org\.key}{$dir/key.pem};
$prod =~ s{/etc/nginx/f1-control\.htpasswd}{$dir/htpasswd};
$prod =~ s{listen 443 ssl http2;}{listen 127.0.0.1:1 ssl http2;};
$prod =~ s{worker_connections 8192;}{worker_connections 64;};
$prod =~ s#^http \{#http {\n    client_body_temp_path $dir/tmp;\n    access_log off;#m;
nginx_t('f1-replay-production.conf', $prod);

done_testing();
