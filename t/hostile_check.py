#!/usr/bin/python3
"""Hostile and careless clients for t/039-hostile.t and careless reloads
for t/019-hostile-reload.t (issue 10): raw sockets and the strict client
of f1client.py, against one nginx.

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
    hostile_check.py reload HOST PORT PIDFILE ARCHIVE N
        N clients check every message (well-formed JSON, every frame whole,
        ticks rising, session time never back but after a state) while a
        topic of ARCHIVE changes and the master reloads: each ends with a
        close 1001; the new workers serve the new archive
    hostile_check.py refused HOST PORT PIDFILE ARCHIVE ERRORLOG N
        as reload, in a zone too small for two copies: the reload is
        refused (the error log names the size needed), the clients keep
        getting frames, info answers
    hostile_check.py churn HOST PORT PIDFILE ERRORLOG RELOADS N
        N clients connect and leave continuously (each handshake in two
        writes) while the master reloads RELOADS times: every client that
        got 101 was sent a close frame or was still served when it left,
        never a bare end of the stream; a refusal is a 503

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

from f1client import Client, fail, finish, get, post

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
    at most 1 %, times F1_REPLAY_TIME_FACTOR for the sanitizer builds, whose
    timers run late more often), no close"""
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
    if missed > span * float(os.environ.get("F1_REPLAY_TIME_FACTOR", 1)) / 100:
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


# --- items 8 and 9: reloads ------------------------------------------------

class Checked(Client):
    """the strict client, keeping what is not JSON instead of failing on
    it, and telling a close frame from a bare end of the stream"""

    def __init__(self, name):
        Client.__init__(self, name)
        self.bad = []
        self.eof = False

    async def run(self):
        try:
            while True:
                op, payload = await self.frame()
                now = time.monotonic()
                if op == 1:
                    try:
                        self.msgs.append((now, json.loads(payload)))
                    except ValueError:
                        self.bad.append(payload[:60])
                elif op == 9:
                    self.pings.append(now)
                    self.send(10, payload)
                elif op == 8:
                    self.close = (struct.unpack("!H", payload[:2])[0]
                                  if len(payload) >= 2 else 1005)
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            self.eof = True


FRAME_KEYS = ("type", "tick", "t", "utc", "sent", "cars")


def check_stream(c):
    """well-formed JSON, every frame whole, ticks rising, session time
    never back but after a state (a jump): the count of frames"""
    if c.bad:
        fail("%s: %d messages not JSON, the first %r"
             % (c.name, len(c.bad), c.bad[0]))
    tick, t, jumped = None, None, False
    n = 0
    for a, m in c.msgs:
        kind = m.get("type")
        if kind == "state":
            jumped = True
        if kind != "frame":
            if kind not in ("hello", "state", "predictions", "event",
                            "clock"):
                fail("%s: a message %r" % (c.name, kind))
            continue
        n += 1
        if tuple(m) != FRAME_KEYS or not isinstance(m["cars"], list) \
           or any(not isinstance(car.get("n"), int) for car in m["cars"]):
            fail("%s: a frame %r" % (c.name, json.dumps(m)[:120]))
            return n
        if tick is not None and m["tick"] <= tick:
            fail("%s: tick %d after %d" % (c.name, m["tick"], tick))
        if t is not None and m["t"] < t and not jumped:
            fail("%s: session time %d after %d" % (c.name, m["t"], t))
        tick, t, jumped = m["tick"], m["t"], False
    return n


def info_at(port, t):
    return get("http://%s:%d" % (HOST, port), "/info?t=%s" % t, raw=True)


def change_topic(archive):
    """one more line at the end of a topic, a second after its last one:
    the archive is another one (a track status event more)"""
    path = os.path.join(archive, "TrackStatus.jsonStream")
    with open(path, "rb") as f:
        last = f.read().splitlines()[-1].decode("utf-8-sig")
    h, m, sec = last[:12].split(":")
    t = int(h) * 3600 + int(m) * 60 + float(sec) + 1
    with open(path, "a") as f:
        f.write('%02d:%02d:%06.3f{"Status":"2","Message":"Yellow"}\r\n'
                % (t // 3600, t % 3600 // 60, t % 60))
    t += 1
    return "%02d:%02d:%06.3f" % (t // 3600, t % 3600 // 60, t % 60)


def hup(pidfile):
    with open(pidfile) as f:
        os.kill(int(f.read().strip()), signal.SIGHUP)


def log_has(errorlog, needle):
    with open(errorlog, errors="replace") as f:
        return [line for line in f if needle in line]


async def reload(port, pidfile, archive, n):
    clients = [Checked("client %d" % i) for i in range(n)]
    for c in clients:
        await c.connect(HOST, port, "/ws")
    await asyncio.sleep(1)

    t = change_topic(archive)
    before = info_at(port, t)
    hup(pidfile)

    try:
        await asyncio.wait_for(asyncio.gather(*(c.task for c in clients)),
                               10)
    except asyncio.TimeoutError:
        fail("not every client was closed within 10 s of the reload")

    frames = []
    for c in clients:
        frames.append(check_stream(c))
        if c.close != 1001:
            fail("%s: %s, not a close 1001" % (
                c.name, "a bare end of the stream" if c.eof
                else "closed with %s" % c.close))
        c.writer.close()

    # the new workers serve the new archive: the race a second after the
    # line added is another one
    await asyncio.sleep(0.3)
    after = info_at(port, t)
    if after == before:
        fail("the race at %s is the same after the reload" % t)
    c = Checked("after the reload")
    await c.connect(HOST, port, "/ws")
    await asyncio.sleep(0.5)
    got = check_stream(c)
    if got < 10:
        fail("a client after the reload got %d frames" % got)
    await c.stop()

    return {"frames_before_close": frames, "frames_after": got}


async def refused(port, pidfile, archive, errorlog, n):
    base = "http://%s:%d" % (HOST, port)
    clients = [Checked("client %d" % i) for i in range(n)]
    for c in clients:
        await c.connect(HOST, port, "/ws")
    await asyncio.sleep(1)

    change_topic(archive)
    started = len(log_has(errorlog, "start worker process"))
    hup(pidfile)

    # the reload is refused, naming the size needed (or new workers start)
    lines = []
    for _ in range(100):
        await asyncio.sleep(0.1)
        lines = log_has(errorlog, "is too small")
        if lines or len(log_has(errorlog, "start worker process")) > started:
            break
    await asyncio.sleep(0.5)
    if not lines:
        fail("no \"too small\" in the error log after the reload")
    elif "beside the running one" not in lines[0] \
            or "make it at least" not in lines[0]:
        fail("the refusal does not name the size needed: %s"
             % lines[0].strip())

    # the running session goes on: frames, and info answers
    counts = [sum(1 for a, m in c.msgs if m["type"] == "frame")
              for c in clients]
    await asyncio.sleep(1)
    more = [sum(1 for a, m in c.msgs if m["type"] == "frame") - k
            for c, k in zip(clients, counts)]
    if min(more) < 40:
        fail("after the refused reload the clients got %r frames in 1 s"
             % more)
    info = get(base, "/info")
    if not isinstance(info, dict) or not info.get("meeting"):
        fail("info after the refused reload: %r" % info)

    frames = []
    for c in clients:
        if c.close is not None or c.eof:
            fail("%s was closed (%s)" % (c.name, c.close))
        frames.append(check_stream(c))
        await c.stop()

    return {"refusal": lines[0][lines[0].find("zone "):].strip()
                       if lines else None,
            "frames_in_1s_after": more, "frames": frames}


async def upgrade(port, c):
    """a handshake sent in two writes up to 40 ms apart, so that many are
    read whole only after a reload began (when a worker shuts down): the
    status answered; on 101 the client reads on"""
    c.reader, c.writer = await asyncio.open_connection(HOST, port)
    req = handshake("/ws", port)
    c.writer.write(req[:40])
    await asyncio.sleep(os.urandom(1)[0] / 255 * 0.04)
    c.writer.write(req[40:])
    head = await c.reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status == 101:
        c.task = asyncio.ensure_future(c.run())
    return status


async def churner(port, stop, out):
    """connects, reads for 50-300 ms, says goodbye; again until told"""
    while not stop.is_set():
        c = Checked("churn")
        try:
            status = await upgrade(port, c)
        except (ConnectionError, asyncio.IncompleteReadError):
            # closed before an answer: an exiting worker's idle connection
            out["dropped"] += 1
            continue
        if status != 101:
            out["refused"] += 1
            if status != 503:
                fail("a handshake answered %d" % status)
            c.writer.close()
            continue
        out["upgraded"] += 1
        await asyncio.wait([c.task], timeout=0.05 + os.urandom(1)[0] / 1000)
        if not c.task.done():
            c.send(8, struct.pack("!H", 1000))
            try:
                await asyncio.wait_for(c.task, 3)
            except asyncio.TimeoutError:
                fail("a client got no answer to its close within 3 s")
        if c.eof:
            out["bare_eof"] += 1
        elif c.close == 1001:
            out["closed_1001"] += 1
        else:
            out["closed_other"] += 1
        if c.bad:
            fail("not JSON: %r" % c.bad[0])
        c.writer.close()


async def churn(port, pidfile, errorlog, reloads, n):
    out = {"upgraded": 0, "refused": 0, "dropped": 0, "bare_eof": 0,
           "closed_1001": 0, "closed_other": 0}
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(churner(port, stop, out))
             for _ in range(n)]
    await asyncio.sleep(0.5)

    # each reload once the last one has started its worker
    for i in range(reloads):
        started = len(log_has(errorlog, "start worker process"))
        hup(pidfile)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if len(log_has(errorlog, "start worker process")) > started:
                break
        await asyncio.sleep(0.1)

    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)

    if out["bare_eof"]:
        fail("%d of %d clients that got 101 saw the stream end without "
             "a close frame" % (out["bare_eof"], out["upgraded"]))
    if out["upgraded"] < 10 * reloads:
        fail("only %d handshakes in %d reloads" % (out["upgraded"], reloads))
    out["reloads"] = reloads
    return out


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
    elif mode == "reload":
        res = asyncio.run(reload(port, args[0], args[1], int(args[2])))
    elif mode == "refused":
        res = asyncio.run(refused(port, args[0], args[1], args[2],
                                  int(args[3])))
    elif mode == "churn":
        res = asyncio.run(churn(port, args[0], args[1], int(args[2]),
                                int(args[3])))
    elif mode == "delays":
        res = asyncio.run(delays(port, int(args[0])))
    else:
        raise SystemExit("unknown mode %s" % mode)

    finish(res)


if __name__ == "__main__":
    main()
