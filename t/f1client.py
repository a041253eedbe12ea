"""A strict, minimal RFC 6455 client and HTTP helpers for the Python test
scripts of t/ (control_check.py, events_check.py): no library but the
standard one, so that server pings and every frame are seen as sent."""

import asyncio
import base64
import json
import os
import ssl
import struct
import sys
import time
import urllib.error
import urllib.request

failures = []


def fail(msg):
    failures.append(msg)


class Client:
    """A strict, minimal RFC 6455 client: records every message with its
    arrival time, answers pings and counts them."""

    def __init__(self, name):
        self.name = name
        self.msgs = []          # (arrival, dict)
        self.pings = []         # arrival times
        self.close = None

    async def connect(self, host, port, path, tls=False):
        self.reader, self.writer = await asyncio.open_connection(
            host, port, ssl=insecure_tls() if tls else None)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)
        ).encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head.split(b" ", 2)[1]
        if status != b"101":
            raise RuntimeError("%s: handshake answered %s" % (self.name,
                                                               status))
        self.task = asyncio.ensure_future(self.run())

    async def frame(self):
        b0, b1 = await self.reader.readexactly(2)
        n = b1 & 0x7f
        if b1 & 0x80:
            fail("%s: a masked server frame" % self.name)
        if n == 126:
            n = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        return b0 & 0x0f, await self.reader.readexactly(n)

    def send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            hdr = bytes([0x80 | opcode, 0x80 | n])
        else:
            hdr = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", n)
        body = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        self.writer.write(hdr + mask + body)

    async def run(self):
        try:
            while True:
                op, payload = await self.frame()
                now = time.monotonic()
                if op == 1:
                    self.msgs.append((now, json.loads(payload)))
                elif op == 9:
                    self.pings.append(now)
                    self.send(10, payload)
                elif op == 8:
                    self.close = struct.unpack("!H", payload[:2])[0]
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def subscribe(self, **kw):
        kw["type"] = "subscribe"
        self.send(1, json.dumps(kw).encode())

    def since(self, t0):
        return [(a, m) for a, m in self.msgs if a >= t0]

    async def stop(self):
        self.send(8, struct.pack("!H", 1000))
        try:
            await asyncio.wait_for(self.task, 2)
        except asyncio.TimeoutError:
            fail("%s: no close answer" % self.name)
        self.writer.close()


def insecure_tls():
    """TLS to the tests' self-signed certificates"""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def post(base, body, path="/control/", headers=None):
    """POSTs body (JSON, or bytes as they are): (status, JSON answer)"""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=data, headers=h,
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5,
                                    context=insecure_tls()) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def get(base, path, raw=False):
    with urllib.request.urlopen(base + path, timeout=10,
                                context=insecure_tls()) as r:
        body = r.read()
        return body if raw else json.loads(body)


def finish(res):
    """prints the results as one JSON line, the failures on stderr, and
    exits 1 if there are any"""
    print(json.dumps(res))
    for f in failures[:20]:
        print("FAIL: " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)
