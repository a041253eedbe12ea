#!/usr/bin/python3
"""Hostile and careless clients for t/039-hostile.t (issue 10): raw
sockets and the strict client of f1client.py, against one nginx.

    hostile_check.py slow HOST PORT N BOUND
        N clients that never read (4 KB receive buffer) and one that reads
        everything; within BOUND seconds the server has closed every one
        of the N (no ESTABLISHED socket of nginx's port left but the good
        client's); the good client saw every tick and nothing else;
        /status counts it alone, then (once it has left) none
    hostile_check.py subs HOST PORT N
        N clients with N distinct ?delay= (whole seconds, 0 .. N-1) are
        served; one more distinct one is refused before the upgrade (503)
        and counted under "subscriptions"; one more sharing a delay is
        served; ?delay=1.6 is 2 s in hello's clock
    hostile_check.py delays HOST PORT CHANGES
        clients 20 s and 40 s behind (both still at tick 0 of their view)
        while CHANGES control changes push the segment they see out of the
        clock's history: every clock message a client gets carries its own
        delay
    hostile_check.py resets HOST PORT N ROUNDS
        rounds of N clients with N distinct subscriptions at speed 50 (so
        that most ticks carry events), each reset (SO_LINGER 0) around the
        tick a control change (seek, pause, resume, restart) lands at; the
        server answers afterwards and counts no client (the leak it looks
        for shows as nginx exits, under the ASan nginx)

Prints one JSON line of results; exits 1 on a failed check, with the
reasons on stderr.
"""

import asyncio
import datetime
import json
import os
import signal
import socket
import struct
import sys
import time

from f1client import Client, fail, failures, finish, get, post

HOST = "127.0.0.1"


def established(port):
    """ESTABLISHED sockets whose local port is PORT (nginx's side), from
    /proc/net/tcp"""
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state = fields[1], fields[3]
            if int(local.split(":")[1], 16) == port and state == "01":
                n += 1
    return n


def status(port):
    return get("http://%s:%d" % (HOST, port), "/status")


def handshake(path, port):
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    return ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
            % (path, HOST, port, key)).encode()


def raw_client(port, path, rcvbuf=None, timeout=5):
    """a blocking socket after the handshake's answer: (socket, status,
    the bytes read past the headers)"""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((HOST, port))
    s.sendall(handshake(path, port))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1024)
        if not chunk:
            break
        head += chunk
    head, _, rest = head.partition(b"\r\n\r\n")
    code = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return s, code, rest


def utc(text):
    """seconds since the epoch of "2026-12-05T00:15:22.876Z" (None if not
    a time)"""
    try:
        return datetime.datetime.strptime(
            text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def reset(s):
    """close with a RST: SO_LINGER on, 0 s"""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


# --- item 1: clients that never read are closed within a bound -----------

def good_ticks(c):
    """the checks of the client that reads everything: only the greeting,
    frames and events, every tick (a late timer may skip one, by design:
    at most 1 %), no close"""
    types = [m["type"] for a, m in c.msgs]
    odd = sorted(set(types) - {"hello", "state", "predictions", "frame",
                                "event"})
    if odd:
        fail("the reading client got %r" % odd)
    if c.close is not None:
        fail("the reading client was closed with %s" % c.close)
    ticks = [m["tick"] for a, m in c.msgs if m["type"] == "frame"]
    if len(ticks) < 2:
        fail("the reading client got %d frames" % len(ticks))
        return {"frames": len(ticks)}
    if any(b <= a for a, b in zip(ticks, ticks[1:])):
        fail("the reading client's ticks went back or repeated")
    missed = sum(b - a - 1 for a, b in zip(ticks, ticks[1:]))
    span = ticks[-1] - ticks[0]
    if missed > span / 100:
        fail("the reading client missed %d of %d ticks" % (missed, span))
    return {"frames": len(ticks), "ticks_missed": missed}


async def slow(port, n, bound):
    good = Client("reading client")
    await good.connect(HOST, port, "/ws")

    socks = []
    for i in range(n):
        s, code, _ = raw_client(port, "/ws", rcvbuf=4096)
        if code != 101:
            fail("never-reading client %d: handshake answered %d" % (i, code))
        socks.append(s)
    start = time.monotonic()

    # nginx's side of every connection: the reading client's stays
    left = established(port) - 1
    while left > 0 and time.monotonic() - start < bound:
        await asyncio.sleep(0.1)
        left = established(port) - 1
    took = time.monotonic() - start
    if left > 0:
        fail("%d of the %d never-reading clients still ESTABLISHED on "
             "nginx's side after %.1f s" % (left, n, took))

    # the reading client a little longer, to see that it was left alone;
    # the status counts it alone, then none
    await asyncio.sleep(1)
    clients = status(port)["sessions"][0]["total"]["clients"]
    if clients != 1:
        fail("/status counts %r clients, not the reading client alone"
             % clients)
    res = good_ticks(good)
    await good.stop()

    for s in socks:
        s.close()

    for _ in range(20):
        await asyncio.sleep(0.1)
        clients = status(port)["sessions"][0]["total"]["clients"]
        if clients == 0:
            break
    if clients != 0:
        fail("/status counts %r clients afterwards" % clients)

    res.update({"closed_within_s": round(took, 2), "left": left,
                "status_clients": clients})
    return res


# --- item 2: the subscription table ---------------------------------------

def hello_of(s, rest):
    """the first message after the 101: the hello, as JSON (None at EOF)"""
    buf = rest
    while True:
        if len(buf) >= 4:
            n = buf[1] & 0x7f
            off = 2
            if n == 126:
                n = struct.unpack("!H", buf[2:4])[0]
                off = 4
            elif n == 127:
                n = struct.unpack("!Q", buf[2:10])[0]
                off = 10
            if len(buf) >= off + n:
                if buf[0] & 0x0f != 1:
                    return {"opcode": buf[0] & 0x0f}
                return json.loads(buf[off:off + n])
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return None
        if not chunk:
            return None
        buf += chunk


def subs(port, n):
    socks = []
    res = {}

    # delays in steps of 1 s, to the nearest
    for path, want in (("/ws?delay=1.6", 2000), ("/ws?delay=2.4", 2000)):
        s, code, rest = raw_client(port, path)
        hello = hello_of(s, rest) if code == 101 else None
        got = hello and hello.get("clock", {}).get("delay_ms")
        res[path] = [code, got]
        if code != 101 or got != want:
            fail("%s: answered %d, hello's delay_ms %r, not 101 and %d"
                 % (path, code, got, want))
        s.close()

    # n distinct subscriptions: delays 0 .. n - 1 s
    for d in range(n):
        s, code, rest = raw_client(port, "/ws?delay=%d" % d)
        hello = hello_of(s, rest) if code == 101 else None
        if code != 101 or not hello or hello.get("type") != "hello":
            fail("delay %d s: answered %d, first message %r"
                 % (d, code, hello))
            break
        socks.append(s)

    # one more distinct one: refused before the upgrade
    s, code, rest = raw_client(port, "/ws?delay=%d" % n)
    res["distinct_over"] = code
    if code != 503:
        hello = hello_of(s, rest) if code == 101 else None
        fail("subscription %d (delay %d s): answered %d (first message "
             "%r), not 503" % (n + 1, n, code, hello))
    s.close()

    refused = status(port)["sessions"][0]["total"]["refused"]
    res["refused"] = refused
    if refused.get("subscriptions") != 1:
        fail("/status refused: %r, not subscriptions 1" % refused)

    # a delay some client has already: served, with the table full (1.6 s
    # is 2 s: served with the others of 2 s)
    for path, want in (("/ws?delay=5", 5000), ("/ws?delay=1.6", 2000)):
        s, code, rest = raw_client(port, path)
        hello = hello_of(s, rest) if code == 101 else None
        got = hello and hello.get("clock", {}).get("delay_ms")
        res["full " + path] = [code, got]
        if code != 101 or got != want:
            fail("%s with the table full: answered %d, hello's delay_ms %r, "
                 "not 101 and %d" % (path, code, got, want))
        s.close()

    for s in socks:
        s.close()
    res["served"] = len(socks)
    return res


# --- item 4: resets right after control changes and across events --------

CHANNELS = ("position", "speed", "rpm", "gear", "throttle", "brake", "drs")
RATES = (50, 25, 10, 5, 2, 1)


def masked(payload):
    """a masked text frame (payloads under 126 bytes)"""
    mask = os.urandom(4)
    body = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + body


async def resets(port, n, rounds):
    base = "http://%s:%d" % (HOST, port)
    changes = ({"action": "seek", "t": "00:30:00"}, {"action": "pause"},
               {"action": "resume"}, {"action": "seek", "lap": 20},
               {"action": "seek", "t": "01:00:00", "offset": -30},
               {"action": "restart"})
    reset_n = 0

    code, clock = post(base, {"action": "speed", "speed": 50})
    if code != 200:
        fail("speed 50: %d %r" % (code, clock))

    for r in range(rounds):
        socks = []
        for i in range(n):
            s, code, _ = raw_client(port, "/ws")
            if code != 101:
                fail("round %d client %d: handshake answered %d"
                     % (r, i, code))
                s.close()
                continue
            # its own subscription: the last member of it when it goes
            sub = {"type": "subscribe", "rate": RATES[i % len(RATES)],
                   "channels": [CHANNELS[(i // len(RATES)) % len(CHANNELS)]]}
            s.sendall(masked(json.dumps(sub).encode()))
            socks.append(s)
        await asyncio.sleep(0.1)

        # a change lands at the tick of its "at": reset the clients from
        # 2 ms before it on, a quarter of a millisecond apart, so that some
        # go while that tick writes its clock, state and events to them
        code, clock = post(base, changes[r % len(changes)])
        if code != 200:
            fail("round %d: %r answered %d %r"
                 % (r, changes[r % len(changes)], code, clock))
        at = utc(clock.get("at")) or time.time()
        while time.time() < at - 0.002:
            pass
        for s in socks:
            reset(s)
            reset_n += 1
            until = time.time() + 0.00025
            while time.time() < until:
                pass
        await asyncio.sleep(0.05)

    # the server answers and counts no client
    clients = None
    for _ in range(30):
        await asyncio.sleep(0.1)
        clients = status(port)["sessions"][0]["total"]["clients"]
        if clients == 0:
            break
    if clients != 0:
        fail("/status counts %r clients after the resets" % clients)

    return {"resets": reset_n, "rounds": rounds, "status_clients": clients}


# --- item 7: clock messages of two delays at one tick -----------------------

async def delays(port, changes):
    base = "http://%s:%d" % (HOST, port)
    clients = {}
    for d in (20, 40):
        c = Client("delay %d" % d)
        await c.connect(HOST, port, "/ws?delay=%d" % d)
        clients[d] = c
    await asyncio.sleep(0.3)

    # each change a segment of the clock; past its 64 kept ones the
    # segment of tick 0, which both delayed views still show, goes
    speeds = (2, 1)
    for i in range(changes):
        status, clock = post(base, {"action": "speed",
                                    "speed": speeds[i % 2]})
        if status != 200:
            fail("change %d: %d %r" % (i, status, clock))
        await asyncio.sleep(0.025)
    await asyncio.sleep(0.5)

    seen = {}
    for d, c in clients.items():
        hello = [m for a, m in c.msgs if m["type"] == "hello"]
        if not hello or hello[0]["clock"]["delay_ms"] != d * 1000:
            fail("%s: hello's clock %r" % (c.name,
                                            hello and hello[0]["clock"]))
        got = [m["delay_ms"] for a, m in c.msgs if m["type"] == "clock"]
        seen[d] = got
        wrong = [x for x in got if x != d * 1000]
        if wrong:
            fail("%s: %d of its %d clock messages carry another delay: %r"
                 % (c.name, len(wrong), len(got), sorted(set(wrong))))
        await c.stop()

    if not any(seen.values()):
        fail("no clock message at all: the test proves nothing")

    return {"clock_delay_ms": {str(d): sorted(set(v)) for d, v in
                               seen.items()},
            "clock_messages": {str(d): len(v) for d, v in seen.items()}}


def main():
    mode = sys.argv[1]
    host, port = sys.argv[2], int(sys.argv[3])
    global HOST
    HOST = host
    args = sys.argv[4:]

    if mode == "slow":
        res = asyncio.run(slow(port, int(args[0]), float(args[1])))
    elif mode == "subs":
        res = subs(port, int(args[0]))
    elif mode == "resets":
        res = asyncio.run(resets(port, int(args[0]), int(args[1])))
    elif mode == "delays":
        res = asyncio.run(delays(port, int(args[0])))
    else:
        raise SystemExit("unknown mode %s" % mode)

    finish(res)


if __name__ == "__main__":
    main()
