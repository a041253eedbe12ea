#!/usr/bin/python3
"""Replay control checks for t/025-control.t, with raw WebSocket clients
(asyncio streams, so server pings are seen) and plain HTTP.

    control_check.py ops HOST PORT N STATEFILE   N clients; pause, resume,
                                                 speed, seek (t, lap),
                                                 restart, loop off to the
                                                 end, loop on; the state
                                                 after the seek to STATEFILE
    control_check.py delay HOST PORT             a client 2 s behind another
                                                 across a seek
    control_check.py anchor HOST PORT1 PORT2 S   one client on each of two
                                                 instances: same ticks
    control_check.py wait HOST PORT ANCHOR_MS    an anchor ahead: waiting,
                                                 then tick 0 at the anchor
    control_check.py predict HOST PORT           predictions on connect mid-
                                                 race, after each lap of the
                                                 leader and after a seek

Prints one JSON line of results; exits 1 on a failed check, with the
reasons on stderr.
"""

import asyncio
import json
import sys
import time
import urllib.request

from f1client import Client, fail, failures, post


def control(base, body):
    status, clock = post(base, body)
    if status != 200 or clock.get("type") != "clock":
        fail("control %r: %d %r" % (body, status, clock))
        return {}
    return clock


def after_change(c, change):
    """the messages from the clock message of a change on"""
    for i, (a, m) in enumerate(c.msgs):
        if m["type"] == "clock" and m["change"] == change:
            return c.msgs[i:]
    fail("%s: no clock message for change %d" % (c.name, change))
    return []


def frames(msgs):
    return [m for a, m in msgs if m["type"] == "frame"]


def late(m, clock):
    """ticks a message came after the change's tick: 0, or 1 when the
    worker's timer was late and skipped a tick (by design)"""
    return m["tick"] - clock["tick"]


async def check_change(clients, clock, what, state):
    """every client got the clock message of the change at its tick
    (within one: a late timer skips), before any frame from that tick on"""
    await asyncio.sleep(0.2)
    for c in clients:
        msgs = after_change(c, clock["change"])
        if not msgs:
            continue
        m = msgs[0][1]
        speed = 0 if state != "playing" else int(clock["speed"] * 20)
        if late(m, clock) not in (0, 1) or m["state"] != state \
                or m["t"] != clock["t"] + late(m, clock) * speed \
                or m["reason"] != what:
            fail("%s: %s clock %r, control said %r" % (c.name, what, m,
                                                        clock))
        earlier = [x for a, x in c.msgs[:len(c.msgs) - len(msgs)]
                   if x["type"] == "frame" and x["tick"] >= clock["tick"]]
        if earlier:
            fail("%s: %s: frame of tick %d before the clock message"
                 % (c.name, what, earlier[0]["tick"]))
    return clock


async def ops(host, port, n, statefile):
    base = "http://%s:%d" % (host, port)
    clients = [Client("client %d" % i) for i in range(n)]
    for c in clients:
        await c.connect(host, port, "/ws")
    await asyncio.sleep(1)
    res = {"clients": n}

    # pause: frames stop, pings go on

    clock = await check_change(clients, control(base, {"action": "pause"}),
                         "pause", "paused")
    await asyncio.sleep(2.5)
    for c in clients:
        msgs = after_change(c, clock.get("change", -1))
        f = frames(msgs)
        if f:
            fail("%s: %d frames while paused" % (c.name, len(f)))
        pings = [p for p in c.pings if p >= msgs[0][0]] if msgs else []
        if len(pings) < 2:
            fail("%s: %d pings while paused" % (c.name, len(pings)))
        if c.close is not None:
            fail("%s: closed while paused" % c.name)
    paused_t = clock.get("t")
    res["paused_pings"] = min(len(c.pings) for c in clients)

    # resume: from the paused moment

    clock = await check_change(clients, control(base, {"action": "resume"}),
                         "resume", "playing")
    if clock.get("t") != paused_t:
        fail("resume at %r, paused at %r" % (clock.get("t"), paused_t))
    await asyncio.sleep(1)
    for c in clients:
        f = frames(after_change(c, clock.get("change", -1)))
        if not f or late(f[0], clock) not in (0, 1) \
                or f[0]["t"] != paused_t + 20 * late(f[0], clock):
            fail("%s: first frame after resume %r" % (c.name, f[:1]))

    # speed: 4x, ticks and session time monotonic across the change

    t0 = time.monotonic()
    clock = await check_change(clients, control(base, {"action": "speed",
                                                 "speed": 4}),
                         "speed", "playing")
    await asyncio.sleep(1)
    for c in clients:
        f = [m for a, m in c.msgs if m["type"] == "frame"
             and a >= t0 - 0.5]
        for p, q in zip(f, f[1:]):
            if q["tick"] <= p["tick"] or q["t"] <= p["t"]:
                fail("%s: went back across the speed change: %r then %r"
                     % (c.name, p, q))
                break
            step = 80 if p["tick"] >= clock["tick"] else 20
            if q["t"] - p["t"] != step * (q["tick"] - p["tick"]):
                fail("%s: %d ms for %d ticks at tick %d" % (
                    c.name, q["t"] - p["t"], q["tick"] - p["tick"],
                    q["tick"]))
                break
    res["speed"] = clock.get("speed")
    control(base, {"action": "speed", "speed": 1})

    # seek: clock, then the state at the target, then frames from there

    clock = await check_change(clients, control(base, {"action": "seek",
                                                 "t": "00:45:00.000"}),
                         "seek", "playing")
    await asyncio.sleep(0.5)
    for c in clients:
        msgs = after_change(c, clock.get("change", -1))
        kinds = [m["type"] for a, m in msgs[:4]]
        if kinds != ["clock", "state", "predictions", "frame"]:
            fail("%s: after the seek %r" % (c.name, kinds))
            continue
        at = 2700000 + 20 * late(msgs[0][1], clock)
        if msgs[1][1]["t"] != at or msgs[3][1]["t"] != at:
            fail("%s: seek state/frame at %d/%d" % (
                c.name, msgs[1][1]["t"], msgs[3][1]["t"]))
    msgs = after_change(clients[0], clock.get("change", -1))
    if len(msgs) > 1:
        with open(statefile, "w") as f:
            json.dump(msgs[1][1], f)

    # seek to a lap: the moment the leader began it

    clock = await check_change(clients, control(base, {"action": "seek",
                                                 "lap": 30}),
                         "seek", "playing")
    res["lap30"] = clock.get("t")
    res["lap30_lap"] = clock.get("lap")
    await asyncio.sleep(0.3)
    for c in clients:
        msgs = after_change(c, clock.get("change", -1))
        if len(msgs) < 2 or msgs[1][1]["type"] != "state" \
                or msgs[1][1]["t"] != (clock.get("t", 0)
                                       + 20 * late(msgs[0][1], clock)):
            fail("%s: no state at lap 30" % c.name)

    # restart: back to the start

    clock = await check_change(clients, control(base, {"action": "restart"}),
                         "restart", "playing")
    res["restart"] = clock.get("time")

    # loop off, near the end: a final clock message, frames stop

    control(base, {"action": "loop", "loop": False})
    end = clock.get("end")
    h, m, s = end.split(":")
    end_ms = (int(h) * 3600 + int(m) * 60) * 1000 + int(float(s) * 1000)
    clock = control(base, {"action": "seek", "t": end_ms - 1000})
    await asyncio.sleep(2)
    for c in clients:
        msgs = after_change(c, clock.get("change", -1))
        ended = [i for i, (a, m) in enumerate(msgs)
                 if m["type"] == "clock" and m["state"] == "ended"]
        if not ended:
            fail("%s: no final clock message" % c.name)
            continue
        if frames(msgs[ended[0]:]):
            fail("%s: frames after the end" % c.name)
        if msgs[ended[0]][1]["t"] != end_ms:
            fail("%s: ended at %r" % (c.name, msgs[ended[0]][1]))
    status, cl = post(base, {"action": "loop", "loop": True})
    res["loop_on"] = cl.get("time")

    # invalid requests: 400 and a JSON reason; the clock does not move

    await asyncio.sleep(0.1)
    before = json.loads(urllib.request.urlopen(base + "/control/").read())
    bad = [{"action": "fly"}, {"action": "speed", "speed": 0.1},
           {"action": "speed", "speed": 51}, {"action": "seek"},
           {"action": "seek", "t": "99:00:00"}, {"action": "seek",
                                                 "lap": 999},
           {"action": "seek", "t": 1, "lap": 2}, {"action": "loop",
                                                  "loop": "maybe"},
           ["pause"], "pause"]
    res["bad"] = []
    for b in bad:
        status, body = post(base, b)
        res["bad"].append(status)
        if status != 400 or not isinstance(body, dict) \
                or not body.get("error"):
            fail("invalid %r: %d %r" % (b, status, body))
    after = json.loads(urllib.request.urlopen(base + "/control/").read())
    if after["change"] != before["change"]:
        fail("invalid requests changed the clock")

    for c in clients:
        await c.stop()
        if c.close != 1000:
            fail("%s: close %r" % (c.name, c.close))
    return res


async def delay(host, port):
    base = "http://%s:%d" % (host, port)
    a = Client("live")
    b = Client("delayed")
    await a.connect(host, port, "/ws")
    await b.connect(host, port, "/ws?delay=2")
    await asyncio.sleep(0.5)
    hello = b.msgs[0][1]
    if hello["type"] != "hello" or hello["clock"]["delay_ms"] != 2000:
        fail("delayed hello %r" % hello.get("clock"))

    clock = control(base, {"action": "seek", "t": "00:50:00"})
    await asyncio.sleep(5)

    ma = after_change(a, clock.get("change", -1))
    mb = after_change(b, clock.get("change", -1))
    res = {}
    if ma and mb:
        res["lag"] = round(mb[0][0] - ma[0][0], 3)
        if not 1.9 <= res["lag"] <= 2.3:
            fail("the delayed client saw the seek %.3f s later" % res["lag"])
        if abs(mb[0][1]["tick"] - ma[0][1]["tick"]) > 1 \
                or [m["type"] for x, m in mb[:2]] != ["clock", "state"] \
                or mb[1][1]["t"] != 3000000 + 20 * late(mb[0][1], clock):
            fail("delayed seek messages %r" % [m for x, m in mb[:2]])

    # the same tick shows the same moment, whoever sees it when

    fa = {m["tick"]: m["t"] for m in frames(a.msgs)}
    fb = {m["tick"]: m["t"] for m in frames(b.msgs)}
    common = set(fa) & set(fb)
    res["common_ticks"] = len(common)
    if len(common) < 100:
        fail("only %d ticks seen by both" % len(common))
    diff = [t for t in common if fa[t] != fb[t]]
    if diff:
        fail("%d ticks differ, e.g. %d: %d vs %d" % (
            len(diff), diff[0], fa[diff[0]], fb[diff[0]]))

    # a subscription can change the delay: clock and state again

    n = len(b.msgs)
    b.subscribe(delay=0)
    await asyncio.sleep(0.3)
    # a frame already in flight may come before the answer
    kinds = [m["type"] for x, m in b.msgs[n:]]
    i = kinds.index("subscribed") if "subscribed" in kinds else 0
    if kinds[i:i + 3] != ["subscribed", "clock", "state"] \
            or b.msgs[n + i][1]["delay_ms"] != 0 \
            or "frame" in kinds[:i] and i > 1:
        fail("delay change by subscription: %r" % kinds[:i + 3])
    n = len(b.msgs)
    b.subscribe(delay=3600)
    await asyncio.sleep(0.3)
    if "error" not in [m["type"] for x, m in b.msgs[n:]]:
        fail("a delay above f1_replay_max_delay was accepted")

    await a.stop()
    await b.stop()
    return res


async def anchor(host, port1, port2, seconds):
    a = Client("instance 1")
    b = Client("instance 2")
    await a.connect(host, port1, "/ws")
    await b.connect(host, port2, "/ws")
    await asyncio.sleep(seconds)
    await a.stop()
    await b.stop()

    fa = [(x, m) for x, m in a.msgs if m["type"] == "frame"]
    fb = [(x, m) for x, m in b.msgs if m["type"] == "frame"]
    res = {"frames": [len(fa), len(fb)]}

    # when each instance emitted the same tick: a frame's "sent" is the
    # wall-clock time its worker sent it, inside that tick's 20 ms

    sa = {m["tick"]: m["sent"] for x, m in fa}
    sb = {m["tick"]: m["sent"] for x, m in fb}
    both = sorted(set(sa) & set(sb))
    worst = max([abs(sa[t] - sb[t]) for t in both] or [0])
    res["max_sent_diff_ms"] = round(worst, 1)
    if worst > 21:
        fail("the same tick was sent %.1f ms apart" % worst)

    ta = {m["tick"]: m["t"] for x, m in fa}
    tb = {m["tick"]: m["t"] for x, m in fb}
    common = set(ta) & set(tb)
    res["common_ticks"] = len(common)
    if len(common) < seconds * 40:
        fail("only %d ticks in common" % len(common))
    if any(ta[t] != tb[t] for t in common):
        fail("the same tick shows different session times")
    return res


async def wait(host, port, anchor_ms):
    c = Client("waiting")
    await c.connect(host, port, "/ws")
    while time.time() * 1000 < anchor_ms + 1000:
        await asyncio.sleep(0.1)
    await c.stop()

    hello = c.msgs[0][1]
    res = {"hello_state": hello["clock"]["state"],
           "anchor": hello["clock"]["anchor"]}
    f = frames(c.msgs)
    if not f:
        fail("no frames after the anchor")
        return res
    res["first_tick"] = f[0]["tick"]
    res["first_sent_after_anchor_ms"] = round(f[0]["sent"] - anchor_ms)
    kinds = [m["type"] for a, m in c.msgs]
    if "clock" not in kinds or kinds.index("clock") > kinds.index("frame"):
        fail("no clock message before the first frame: %r" % kinds[:5])
    return res


def check_predictions(m, lap, state, where):
    """a predictions message of the leader's completed laps, computed from
    nothing later than the clock"""
    if m["type"] != "predictions" or m["lap"] != lap:
        fail("%s: predictions %r, expected lap %d" % (
            where, {k: m.get(k) for k in ("type", "lap")}, lap))
        return
    b = m.get("builtin")
    if not b or b["lap"] > lap:
        fail("%s: builtin predictions %r" % (where, b and b.get("lap")))
        return
    if state:
        laps = {c["number"]: c["laps"] for c in state["cars"]}
        for n, car in b["cars"].items():
            if car["lap"] > laps.get(int(n), 0):
                fail("%s: car %s predicted from lap %d, the clock is at %d"
                     % (where, n, car["lap"], laps.get(int(n), 0)))


async def predict(host, port):
    base = "http://%s:%d" % (host, port)
    res = {}
    control(base, {"action": "seek", "t": "00:45:00"})
    await asyncio.sleep(0.2)

    # connecting mid-race: hello, state, predictions of that lap

    c = Client("predict")
    await c.connect(host, port, "/ws")
    await asyncio.sleep(0.3)
    kinds = [m["type"] for a, m in c.msgs[:3]]
    if kinds != ["hello", "state", "predictions"]:
        fail("on connect: %r" % kinds)
        return res
    res["connect_lap"] = c.msgs[2][1]["lap"]
    check_predictions(c.msgs[2][1], c.msgs[1][1]["lap"] - 1, c.msgs[1][1],
                      "on connect")

    # 20x: a new lap of the leader about every 4 s of replay... 4 laps

    n = len(c.msgs)
    control(base, {"action": "speed", "speed": 20})
    await asyncio.sleep(16)
    control(base, {"action": "speed", "speed": 1})
    laps = [m["lap"] for a, m in c.msgs[n:] if m["type"] == "predictions"]
    res["laps"] = laps
    if len(laps) < 3 or any(b != a + 1 for a, b in zip(laps, laps[1:])):
        fail("predictions after each lap: %r" % laps)
    for a, m in c.msgs[n:]:
        if m["type"] == "predictions":
            check_predictions(m, m["lap"], None, "lap %d" % m["lap"])

    # a seek back: state, then the predictions of that moment

    clock = control(base, {"action": "seek", "lap": 10})
    await asyncio.sleep(0.3)
    msgs = after_change(c, clock.get("change", -1))
    kinds = [m["type"] for a, m in msgs[:3]]
    if kinds != ["clock", "state", "predictions"]:
        fail("after a seek: %r" % kinds)
    else:
        res["seek_lap"] = msgs[2][1]["lap"]
        check_predictions(msgs[2][1], 9, msgs[1][1], "after the seek")

    await c.stop()
    return res


def main():
    mode = sys.argv[1]
    if mode == "ops":
        res = asyncio.run(ops(sys.argv[2], int(sys.argv[3]),
                              int(sys.argv[4]), sys.argv[5]))
    elif mode == "delay":
        res = asyncio.run(delay(sys.argv[2], int(sys.argv[3])))
    elif mode == "anchor":
        res = asyncio.run(anchor(sys.argv[2], int(sys.argv[3]),
                                 int(sys.argv[4]), float(sys.argv[5])))
    elif mode == "predict":
        res = asyncio.run(predict(sys.argv[2], int(sys.argv[3])))
    elif mode == "wait":
        res = asyncio.run(wait(sys.argv[2], int(sys.argv[3]),
                               int(sys.argv[4])))
    else:
        sys.exit("usage: see the docstring")
    print(json.dumps(res))
    for f in failures[:20]:
        print("FAIL: " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
