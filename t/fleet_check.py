#!/usr/bin/python3
"""Fleet checks for t/037-fleet.t: instances of one anchor behind a front
nginx that mirrors control requests to all of them.

    fleet_check.py changes FRONT INST...   clients on every instance (and
                                           through the front, wss); a seek,
                                           a pause, a speed change and a
                                           resume sent to the front: every
                                           client gets each clock message
                                           at the tick the answer names
    fleet_check.py same INST...            a client on each instance for
                                           2 s: the same session time at
                                           every tick they share, the same
                                           change count
    fleet_check.py take FROM TO            TO takes FROM's clock
                                           (GET, POST .../control/state)
    fleet_check.py refusals FRONT          a time past or too far ahead:
                                           400; a change before a pending
                                           one: 409

FRONT is https://host:port, INST host:port.  Prints one JSON line of
results; exits 1 on a failed check, with the reasons on stderr.
"""

import asyncio
import sys
import time

from f1client import Client, fail, finish, get, post


def split(inst):
    host, port = inst.rsplit(":", 1)
    return host, int(port)


def change(front, body):
    status, clock = post(front, body)
    if status != 200 or clock.get("type") != "clock":
        fail("control %r through the front: %d %r" % (body, status, clock))
        return {}
    return clock


async def changes(front, insts):
    clients = []
    for i, inst in enumerate(insts):
        for k in range(2):
            c = Client("instance %d client %d" % (i + 1, k))
            await c.connect(*split(inst), "/ws")
            clients.append(c)
    host, port = front.split("//")[1].rsplit(":", 1)
    for k in range(3):
        c = Client("front client %d" % k)
        await c.connect(host, int(port), "/ws", tls=True)
        clients.append(c)
    await asyncio.sleep(1.5)

    res = {"clients": len(clients), "changes": []}
    ops = [("seek", {"action": "seek", "t": "00:45:00"}),
           ("pause", {"action": "pause"}),
           ("speed", {"action": "speed", "speed": 2}),
           ("resume", {"action": "resume"})]

    for what, body in ops:
        clock = change(front, body)
        if not clock:
            continue

        # the margin (500 ms) and a little more: every instance has played
        # the change's tick
        await asyncio.sleep(1.2)

        res["changes"].append({k: clock[k] for k in
                               ("reason", "tick", "t", "at", "change")})
        for c in clients:
            got = [m for a, m in c.msgs
                   if m["type"] == "clock" and m["change"] == clock["change"]]
            if not got:
                fail("%s: no clock message of the %s" % (c.name, what))
                continue
            m = got[0]
            if (m["tick"], m["t"], m["reason"], m["at"]) \
                    != (clock["tick"], clock["t"], what, clock["at"]):
                fail("%s: the %s at tick %d, t %d (%s); the front's answer: "
                     "tick %d, t %d" % (c.name, what, m["tick"], m["t"],
                                        m["reason"], clock["tick"],
                                        clock["t"]))
            i = [x for a, x in c.msgs].index(m)
            late = [x for a, x in c.msgs[:i]
                    if x["type"] == "frame" and x["tick"] >= clock["tick"]]
            if late:
                fail("%s: a frame of tick %d before the %s's clock message"
                     % (c.name, late[0]["tick"], what))

    # every client saw the same session time at every tick they share

    res["max_t_spread_ms"] = spread(clients)
    if res["max_t_spread_ms"]:
        fail("clients showed different session times at one tick "
             "(by up to %d ms)" % res["max_t_spread_ms"])

    for c in clients:
        await c.stop()
    return res


def spread(clients):
    """the largest difference of session times shown at one tick"""
    by_tick = {}
    for c in clients:
        for a, m in c.msgs:
            if m["type"] == "frame":
                by_tick.setdefault(m["tick"], set()).add(m["t"])
    return max([max(ts) - min(ts) for ts in by_tick.values()] or [0])


async def same(insts):
    clients = []
    for i, inst in enumerate(insts):
        c = Client("instance %d" % (i + 1))
        await c.connect(*split(inst), "/ws")
        clients.append(c)
    await asyncio.sleep(2)
    for c in clients:
        await c.stop()

    hellos = [c.msgs[0][1] for c in clients if c.msgs]
    res = {"changes": [h["clock"]["change"] for h in hellos],
           "states": [h["clock"]["state"] for h in hellos]}
    if len(set(res["changes"])) != 1 or len(hellos) != len(clients):
        fail("the instances' change counts differ: %r" % res["changes"])

    ticks = [{m["tick"]: m["t"] for a, m in c.msgs if m["type"] == "frame"}
             for c in clients]
    common = set(ticks[0]).intersection(*ticks[1:])
    res["common_ticks"] = len(common)
    if len(common) < 50:
        fail("only %d ticks in common" % len(common))
    worst = max([max(t[k] for t in ticks) - min(t[k] for t in ticks)
                 for k in common] or [0])
    res["max_t_diff_ms"] = worst
    if worst > 20 * 2:
        fail("the same tick shows session times %d ms apart" % worst)
    return res


def take(src, dst):
    doc = get("http://%s" % src, "/control/state", raw=True)
    status, clock = post("http://%s" % dst, doc, "/control/state")
    if status != 200 or clock.get("type") != "clock":
        fail("taking the clock: %d %r" % (status, clock))
    return {"status": status, "change": clock.get("change")}


async def refusals(front):
    res = {}
    now = int(time.time() * 1000)

    status, body = post(front, {"action": "pause", "at": now - 5000})
    res["past"] = status
    if status != 400 or "past" not in body.get("error", ""):
        fail("a change 5 s past: %d %r" % (status, body))

    status, body = post(front, {"action": "pause", "at": now + 120000})
    res["ahead"] = status
    if status != 400 or "ahead" not in body.get("error", ""):
        fail("a change 120 s ahead: %d %r" % (status, body))

    status, body = post(front, {"action": "pause",
                                "at": "2026-02-30T00:00:00Z"})
    res["malformed"] = status
    if status != 400:
        fail("a malformed time: %d %r" % (status, body))

    status, pending = post(front, {"action": "pause", "at": now + 3000})
    res["pending"] = status
    if status != 200:
        fail("a change 3 s ahead: %d %r" % (status, pending))

    status, body = post(front, {"action": "seek", "t": "00:20:00"})
    res["before_pending"] = status
    if status != 409 or "later tick" not in body.get("error", ""):
        fail("a change before the pending one: %d %r" % (status, body))

    await asyncio.sleep(3.5)
    status, body = post(front, {"action": "resume"})
    res["after_pending"] = status
    if status != 200:
        fail("a change after the pending one applied: %d %r"
             % (status, body))
    await asyncio.sleep(1)
    return res


def main():
    mode = sys.argv[1]
    if mode == "changes":
        res = asyncio.run(changes(sys.argv[2], sys.argv[3:]))
    elif mode == "same":
        res = asyncio.run(same(sys.argv[2:]))
    elif mode == "take":
        res = take(sys.argv[2], sys.argv[3])
    elif mode == "refusals":
        res = asyncio.run(refusals(sys.argv[2]))
    else:
        sys.exit("unknown mode %s" % mode)
    finish(res)


if __name__ == "__main__":
    main()
