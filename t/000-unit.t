# The C unit tests of the nginx-free parts (t/unit/test_*.c, built by
# `make -C scripts/tools unit` into build/tools): each prints TAP lines; every
# line becomes a test here.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib $FindBin::Bin;
use F1Fixture qw(tools);

my $tools = tools();
my @bins = sort glob("$tools/test_*");
my ($pass, $fail) = (0, 0);

if (!@bins) {
    plan(skip_all => "no unit tests built in $tools "
                     . "(make -C scripts/tools unit)");
}

for my $bin (@bins) {
    my ($name) = $bin =~ m{([^/]+)$};
    my @out = `$bin 2>&1`;
    my $rc = $? >> 8;
    my $n = 0;

    for (@out) {
        next unless /^(not )?ok \d+ - (.*)$/;
        $n++;
        if ($1) { $fail++ } else { $pass++ }
        ok(!$1, "$name: $2");
    }

    ok($n > 0 && $rc == 0, "$name: $n checks, exit status $rc")
        or diag(join '', @out);
}

diag("unit: $pass passed, $fail failed");

done_testing();
