#!/usr/bin/python3
"""The events of the WebSocket stream against the session's timeline, for
t/038-events.t.

    events_check.py HOST PORT NAME...

For each session NAME, at once (nginx serves /ws/NAME, /control/NAME/ and
/info/NAME; its clock starts at the session's first moment, loop off): a
client with a small subscription, the replay at 50x to the end, every
event message kept.  The events on the stream must be exactly the
timeline's with a time after the first state's and up to the end (same
ids, types, cars, times, in order).  Then the pit stops of the summary,
of the state (at the end and half-way) and of the timeline must agree for
every car, and the summary's pit entries be the pit_in events.

Prints one JSON line of results; exits 1 on a failed check, with the
reasons on stderr.
"""

import asyncio
import sys
import time

from f1client import Client, fail, finish, get, post

SPEED = 50


def key(e):
    return (e["id"], e["event"], e.get("driver", 0), e.get("other", 0),
            e["t"])


def first(msgs, kind):
    for a, m in msgs:
        if m["type"] == kind:
            return m
    return None


async def play(host, port, name):
    base = "http://%s:%d" % (host, port)
    c = Client(name)
    await c.connect(host, port, "/ws/" + name)

    for _ in range(100):
        if first(c.msgs, "state"):
            break
        await asyncio.sleep(0.05)

    hello, state = first(c.msgs, "hello"), first(c.msgs, "state")
    if hello is None or state is None:
        fail("%s: no hello and state" % name)
        return {}

    # few bytes a tick: one car, one channel, once a second

    c.subscribe(drivers=[hello["drivers"][0]["number"]], channels=["gear"],
                rate=1)

    status, clock = post(base, {"action": "speed", "speed": SPEED},
                         "/control/%s/" % name)
    if status != 200:
        fail("%s: speed %d: %r" % (name, status, clock))
        return {}

    budget = (clock_end(clock) - state["t"]) / 1000 / SPEED + 30
    deadline = time.monotonic() + budget

    while time.monotonic() < deadline:
        ended = [m for a, m in c.msgs
                 if m["type"] == "clock" and m["state"] == "ended"]
        if ended:
            break
        await asyncio.sleep(0.2)
    else:
        fail("%s: the replay did not end within %.0f s" % (name, budget))
        await c.stop()
        return {}

    end = ended[0]["t"]
    await c.stop()

    got = [key(m) for a, m in c.msgs if m["type"] == "event"]
    timeline = get(base, "/control/%s/timeline" % name)["events"]
    want = [key(e) for e in timeline if state["t"] < e["t"] <= end]

    if got != want:
        diff = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                    min(len(got), len(want)))
        fail("%s: %d events on the stream, %d in the timeline from %d to "
             "%d ms; first difference at %d: %r against %r"
             % (name, len(got), len(want), state["t"], end, diff,
                got[diff] if diff < len(got) else None,
                want[diff] if diff < len(want) else None))

    agree(base, name, timeline, end)

    return {"events": len(got), "from": state["t"], "to": end,
            "kinds": len(set(k[1] for k in got))}


def clock_end(clock):
    h, m, s = clock["end"].split(":")
    return (int(h) * 3600 + int(m) * 60) * 1000 + round(float(s) * 1000)


def agree(base, name, timeline, end):
    """summary, state and timeline tell the same pit stops and entries"""
    summary = get(base, "/info/" + name)

    for d in summary["drivers"]:
        n = d["number"]
        stops = [e for e in timeline
                 if e["event"] == "pit_stop" and e.get("driver") == n]
        entries = [e["time"] for e in timeline
                   if e["event"] == "pit_in" and e.get("driver") == n]
        if d["pit_stops"] != len(stops) or d["pit_in"] != entries:
            fail("%s: car %d: summary %d stops, pit in %r; timeline %d, %r"
                 % (name, n, d["pit_stops"], d["pit_in"], len(stops),
                    entries))

    mid = (timeline[0]["t"] + end) // 2 if timeline else end

    for at in (end, mid):
        state = get(base, "/info/%s?t=%d" % (name, at))
        for car in state["cars"]:
            n = car["number"]
            stops = len([e for e in timeline
                         if e["event"] == "pit_stop"
                         and e.get("driver") == n and e["t"] <= at])
            if car.get("pit_stops", 0) != stops:
                fail("%s: car %d at %d ms: state %r stops, timeline %d"
                     % (name, n, at, car.get("pit_stops"), stops))


async def run(host, port, names):
    results = await asyncio.gather(*(play(host, port, n) for n in names))
    return dict(zip(names, results))


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: events_check.py HOST PORT NAME...")

    finish(asyncio.run(run(sys.argv[1], int(sys.argv[2]), sys.argv[3:])))


if __name__ == "__main__":
    main()
