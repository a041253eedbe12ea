# vim:set ft= ts=4 sw=4 et:
# The test runner against plain nginx (no module needed): an example of the
# block format, passing under the real Test::Nginx and under
# t/lib/Test/Nginx/Socket.pm alike.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib $FindBin::Bin;
use F1Fixture;      # every test file has a wall-clock limit

no_shuffle();
run_tests();

__DATA__

=== TEST 1: return 200
--- config
    location = /t {
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 2: 404 from the runner's own "location /" (html/), without an error
--- config
    log_not_found off;

    location = /t {
        return 200;
    }
--- request
GET /nope
--- error_code: 404
--- response_body_like: 404 Not Found
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 3: nginx refuses an unknown directive
# nginx reports a configuration error on stderr before its error log is
# open (Debian's nginx is built with --error-log-path=stderr), where no
# runner's error_log looks: such messages are checked with nginx -t in
# t/013-nginx-t.t
--- config
    location = /t {
        no_such_directive on;
    }
--- must_die



=== TEST 4: response headers and request headers
--- config
    location = /t {
        add_header X-Foo "bar";
        return 200 "$http_x_test\n";
    }
--- request
GET /t
--- more_headers
X-Test: from the client
--- response_headers
X-Foo: bar
Content-Type: text/plain
!X-Bar
--- raw_response_headers_like eval
qr{^HTTP/1\.1 200 OK\r\nServer: nginx(?:/[\d.]+)?\r\n}
--- response_body
from the client
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 5: raw request in two writes with a delay
--- config
    location = /t {
        return 200 "$request_method $uri\n";
    }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\n",
 "Connection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.3
--- response_body
GET /t
--- error_log eval
[qr/http request line: "GET \/t HTTP\/1\.1"/]
--- no_error_log
[error]
[alert]
[crit]
[emerg]



=== TEST 6: request body and env substitution in the config
--- config
    location = /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "$request_method $content_length\n";
    }
--- request
POST /t
hello world
--- response_body
POST 11
--- no_error_log
[error]
[alert]
[crit]
[emerg]
