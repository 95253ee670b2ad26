"""fanout: issue 13 item 10 through a real Prosody. SENDERS occupants of
a room of OCCUPANTS flood it with SIZE-byte messages at RATE per second
each for SECONDS, while another user in another room measures round
trips (a message to its own room and back) every quarter second.

    fanout.py C2S_PORT MUCD_PID MUCCTL... [--occupants N] [--senders S]
        [--rate R] [--size B] [--seconds T] [--bound SECONDS]

Prints the round trips, what the senders got back and mucd's RSS; exit
0 when every round trip came back within BOUND and the link stayed up.
"""

import sys
import time

from c2s import (Checks, Client, Closed, Hub, groupchat, instant_room,
                 new_id, options, rss_kb, run, status)

DOMAIN = "conference.localhost"


def main():
    opt, args = options(sys.argv[1:], {
        "occupants": 30, "senders": 3, "rate": 100, "size": 2000,
        "seconds": 5.0, "bound": 2.0})
    port, pid, mucctl = int(args[0]), int(args[1]), args[2:]
    hub = Hub(port)
    alice = Client(hub, "alice")
    quiet, busy = "quiet@" + DOMAIN, "busy@" + DOMAIN
    instant_room(alice, quiet, "Alice")
    senders = []
    for i in range(opt["occupants"]):
        c = Client(hub, "u%d" % i)
        if i == 0:
            instant_room(c, busy, "u0")
        elif c.join(busy, "u%d" % i) is None:
            raise Closed("u%d could not join" % i)
        c.keep = False
        c.stanzas.clear()
        if i < opt["senders"]:
            senders.append(c)
        else:
            c.sink = True
    # Joins are done once the last joiner's presence is back.
    hub.run_for(0.5)
    st0 = status(mucctl)
    rss0 = rss_kb(pid)
    body = "x" * opt["size"]
    rts, pending, sent, rss_max = [], None, 0, rss0
    t0 = time.monotonic()
    next_rt = t0
    step = 1.0 / opt["rate"]
    next_msg = t0
    while time.monotonic() - t0 < opt["seconds"]:
        now = time.monotonic()
        while next_msg <= now:
            for c in senders:
                c.send(groupchat(busy, body, new_id("f")))
                sent += 1
            next_msg += step
        if pending is None and now >= next_rt:
            pending = (new_id("rt"), now)
            alice.send(groupchat(quiet, "ping", pending[0]))
            next_rt = now + 0.25
        if pending is not None and alice.take(
                lambda e: e.get("id") == pending[0], 0) is not None:
            rts.append(time.monotonic() - pending[1])
            pending = None
        hub.poll(0.002)
        rss_max = max(rss_max, rss_kb(pid)) if int(now * 4) % 4 == 0 \
            else rss_max
    if pending is not None:
        el = alice.take(lambda e: e.get("id") == pending[0], 120.0)
        rts.append(time.monotonic() - pending[1] if el is not None
                   else float("inf"))
    hub.run_for(1.0)
    st1 = status(mucctl)
    rss1 = rss_kb(pid)
    refused = sum(c.errors.get("resource-constraint", 0) for c in senders)
    others = sum(sum(c.errors.values()) for c in senders) - refused
    worst = max(rts) if rts else float("inf")
    print("flood: %d senders x %d msg/s x %d bytes for %.0f s into %d "
          "occupants: %d sent, %d refused with resource-constraint, %d "
          "other errors" % (opt["senders"], opt["rate"], opt["size"],
                            opt["seconds"], opt["occupants"], sent,
                            refused, others))
    print("round trips in another room: %d, median %.3f s, max %.3f s" % (
        len(rts), sorted(rts)[len(rts) // 2] if rts else float("inf"),
        worst))
    print("mucd RSS: %d kB before, max %d kB, %d kB after" % (
        rss0, rss_max, rss1), flush=True)
    check = Checks()
    check(worst <= opt["bound"], "round trips within %.1f s" %
          opt["bound"])
    check.link_steady(st0, st1)
    hub.close()
    return check.status()


if __name__ == "__main__":
    run(main)
