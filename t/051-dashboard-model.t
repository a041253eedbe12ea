# The dashboard's pure JavaScript (html/js/race.js, frames.js, fmt.js,
# conn.js) under node's own test runner, no browser and no nginx:
# t/browser/model.test.mjs (the race model on protocol 2 messages and the
# protocol 1 forms it maps, compact frames, play-out interpolation,
# formatting, reconnect backoff).  Each node test becomes a test here.

use strict;
use warnings;

use Test::More;
use FindBin;

plan(skip_all => 'node not installed')
    if system('node -e 1 2>/dev/null') != 0 && !$ENV{CI};

my $script = "$FindBin::Bin/browser/model.test.mjs";
my @out = `node --test --test-reporter=tap '$script' 2>&1`;
my $rc = $? >> 8;
my $n = 0;

for (@out) {
    next unless /^(not )?ok \d+ - (.*)$/;
    $n++;
    ok(!$1, $2);
}

ok($n > 0 && $rc == 0, "node --test: $n tests, exit status $rc")
    or diag(join '', @out);

done_testing();
