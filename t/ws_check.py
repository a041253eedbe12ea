#!/usr/bin/python3
"""Strict WebSocket client checks for t/030-clients.t (python3-websockets).

    ws_check.py stream URL SECONDS       one client: every message checked
                                         against the protocol, close 1000
    ws_check.py agree URL N SECONDS      N clients: tick agreement, no tick
                                         back or repeated, at most 1 % of
                                         ticks missed per client
    ws_check.py reload URL N PIDFILE     N clients; HUP the master; each
                                         must get close 1001; a new client
                                         continues the clock

Prints one JSON line of results; exits 1 on a failed check, with the
reasons on stderr.
"""

import asyncio
import json
import os
import signal
import ssl
import sys
import time

import websockets

FRAME_CAR_KEYS = {"n", "x", "y", "z", "ps", "v", "rpm", "g", "thr", "brk",
                  "drs", "cs"}
SOURCES = {"r", "i", "s"}
failures = []


def fail(msg):
    failures.append(msg)


def check_frame(m, last_tick):
    for k, kind in (("tick", int), ("t", int), ("sent", (int, float)),
                    ("cars", list)):
        if not isinstance(m.get(k), kind):
            fail("frame field %s is %r" % (k, m.get(k)))
            return None
    if m["utc"] is not None and not isinstance(m["utc"], str):
        fail("frame utc is %r" % m["utc"])
    for car in m["cars"]:
        if not isinstance(car.get("n"), int) or set(car) - FRAME_CAR_KEYS:
            fail("frame car %r" % car)
        for k in ("ps", "cs"):
            if k in car and car[k] not in SOURCES:
                fail("provenance %s=%r" % (k, car[k]))
    if last_tick is not None and m["tick"] != last_tick + 1:
        fail("tick %d after %d" % (m["tick"], last_tick))
    return m["tick"]


def tls(url):
    """wss:// to the tests' self-signed certificate"""
    if not url.startswith("wss:"):
        return None
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def stream(url, seconds):
    types = []
    frames = 0
    last = None
    async with websockets.connect(url, max_size=2 ** 20,
                                  ssl=tls(url)) as ws:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(ws.recv(), 2)
            if not isinstance(raw, str):
                fail("binary message")
                continue
            m = json.loads(raw)
            types.append(m.get("type"))
            if m["type"] == "frame":
                frames += 1
                last = check_frame(m, last)
            elif m["type"] == "hello":
                for k in ("protocol", "session", "drivers", "outline",
                          "tick_rate", "clock"):
                    if k not in m:
                        fail("hello without %s" % k)
            elif m["type"] == "state":
                for k in ("t", "time", "lap", "cars", "track_status",
                          "race_control"):
                    if k not in m:
                        fail("state without %s" % k)
            elif m["type"] not in ("predictions", "event"):
                fail("unexpected message type %r" % m["type"])
        await ws.close(1000)
    if ws.close_code != 1000:
        fail("server closed with %s" % ws.close_code)
    head = [t for t in types if t != "frame"][:3]
    if types[:2] != ["hello", "state"]:
        fail("first messages %r" % types[:3])
    return {"frames": frames, "first": head, "close": ws.close_code}


async def client_ticks(url, seconds, out):
    ticks = []
    async with websockets.connect(url, max_size=2 ** 20) as ws:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            m = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if m["type"] == "frame":
                ticks.append((time.monotonic(), m["tick"]))
        await ws.close(1000)
    out.append(ticks)


async def agree(url, n, seconds):
    out = []
    await asyncio.gather(*(client_ticks(url, seconds, out)
                           for _ in range(n)))
    # a late timer sends the current tick and skips the missed ones, by
    # design: a host hiccup (both workers late at once) costs every client
    # a tick; what must not happen is a client losing ticks steadily or
    # ticks going back or repeating (1 % at most, times
    # F1_REPLAY_TIME_FACTOR for the sanitizer builds)
    gaps = 0
    worst = 0.0
    for ticks in out:
        seq = [t for _, t in ticks]
        gaps += sum(1 for a, b in zip(seq, seq[1:]) if b != a + 1)
        if any(b <= a for a, b in zip(seq, seq[1:])):
            fail("a tick went back or repeated")
        missed = sum(b - a - 1 for a, b in zip(seq, seq[1:]) if b > a + 1)
        worst = max(worst, missed / max(seq[-1] - seq[0], 1))
    if worst > 0.01 * float(os.environ.get("F1_REPLAY_TIME_FACTOR", 1)):
        fail("a client missed %.1f %% of the ticks (%d gaps in all)"
             % (worst * 100, gaps))
    # every 100 ms, the latest tick each client has seen
    start = max(t[0][0] for t in out) + 0.2
    end = min(t[-1][0] for t in out) - 0.2
    spread = 0
    samples = 0
    at = start
    while at < end:
        latest = []
        for ticks in out:
            seen = [tick for when, tick in ticks if when <= at]
            latest.append(seen[-1])
        spread = max(spread, max(latest) - min(latest))
        samples += 1
        at += 0.1
    if spread > 1:
        fail("clients disagree by %d ticks" % spread)
    rate = min(len(t) for t in out) / seconds
    if rate < 45:
        fail("a client got only %.1f frames/s" % rate)
    return {"clients": len(out), "gaps": gaps,
            "max_missed_pct": round(worst * 100, 2), "max_spread": spread,
            "samples": samples, "min_frames_per_s": round(rate, 1)}


async def reload(url, n, pidfile):
    conns = [await websockets.connect(url, max_size=2 ** 20)
             for _ in range(n)]
    last = 0
    # read a little, remember the newest tick
    for ws in conns:
        for _ in range(5):
            m = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if m["type"] == "frame":
                last = max(last, m["tick"])
    with open(pidfile) as f:
        os.kill(int(f.read().strip()), signal.SIGHUP)
    codes = []
    for ws in conns:
        try:
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if m["type"] == "frame":
                    last = max(last, m["tick"])
        except websockets.ConnectionClosed:
            codes.append(ws.close_code)
        except asyncio.TimeoutError:
            codes.append(None)
    if any(c != 1001 for c in codes):
        fail("close codes on reload %r" % codes)
    await asyncio.sleep(0.3)
    async with websockets.connect(url, max_size=2 ** 20) as ws:
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if m["type"] == "frame":
                first = m["tick"]
                break
        await ws.close(1000)
    if first < last:
        fail("the clock went back: tick %d after %d" % (first, last))
    return {"codes": codes, "last_before": last, "first_after": first}


def main():
    mode, url = sys.argv[1], sys.argv[2]
    if mode == "stream":
        res = asyncio.run(stream(url, float(sys.argv[3])))
    elif mode == "agree":
        res = asyncio.run(agree(url, int(sys.argv[3]), float(sys.argv[4])))
    else:
        res = asyncio.run(reload(url, int(sys.argv[3]), sys.argv[4]))
    res["failures"] = failures
    print(json.dumps(res))
    for f in failures[:20]:
        print(f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
