"""oversized: issue 13 item 1 through a real Prosody. One user sends
stanzas that are under Prosody's client limit but over mucd's
max_stanza_size once Prosody has escaped them (each '"' becomes &quot;):
an IQ to the service as a non-occupant, a groupchat message in a room,
then COUNT IQs in a row. Each must cost the sender a policy-violation
error, never the link; another user in another room keeps a working
round trip; mucd's memory stays bounded.

    oversized.py C2S_PORT MUCD_PID MUCCTL... [--quotes N] [--count N]

Prints one line per check and the measurements; exit 0 when all held.
"""

import sys
import time

from c2s import (Checks, Client, Hub, NS_DISCO_INFO, error_condition,
                 groupchat, instant_room, new_id, options, RoundTrip, rss_kb, run,
                 status)

DOMAIN = "conference.localhost"


def main():
    opt, args = options(sys.argv[1:], {"quotes": 200000, "count": 100})
    quotes, count = opt["quotes"], opt["count"]
    port, pid, mucctl = int(args[0]), int(args[1]), args[2:]
    check = Checks()

    hub = Hub(port)
    alice = Client(hub, "alice")
    quiet = "quiet@" + DOMAIN
    instant_room(alice, quiet, "Alice")
    base = RoundTrip(alice, quiet)
    check(base.within(5.0), "alice's round trip before: %s" % base)
    st0 = status(mucctl)
    rss0 = rss_kb(pid)

    bob = Client(hub, "bob")
    fill = '"' * quotes

    def refused(sid, what, timeout=30.0):
        t0 = time.monotonic()
        el = bob.take_id(sid, timeout)
        cond = error_condition(el) if el is not None else None
        check(cond == "policy-violation", "%s: %s after %.2f s" % (
            what, cond or "no answer", time.monotonic() - t0))

    sid = new_id("big")
    bob.send("<iq type='get' id='%s' to='%s'><query xmlns='%s'>%s</query>"
             "</iq>" % (sid, DOMAIN, NS_DISCO_INFO, fill))
    refused(sid, "IQ of %d quotes to the service, as a non-occupant"
            % quotes)

    noisy = "noisy@" + DOMAIN
    instant_room(bob, noisy, "Bob")
    sid = new_id("big")
    bob.send(groupchat(noisy, fill, sid))
    refused(sid, "groupchat message of %d quotes" % quotes)

    t0 = time.monotonic()
    ids = [new_id("row") for _ in range(count)]
    for sid in ids:
        bob.send("<iq type='get' id='%s' to='%s'><query xmlns='%s'>%s"
                 "</query></iq>" % (sid, DOMAIN, NS_DISCO_INFO, fill))
    during = RoundTrip(alice, quiet, 60.0)
    answered = 0
    deadline = time.monotonic() + 60.0
    for sid in ids:
        el = bob.take_id(sid, max(0.0, deadline - time.monotonic()))
        if el is not None and error_condition(el) == "policy-violation":
            answered += 1
    took = time.monotonic() - t0
    check(answered == count, "%d of %d IQs in a row answered with "
          "policy-violation in %.1f s" % (answered, count, took))
    check(during.within(5.0), "alice's round trip while they were sent: "
          "%s" % during)
    after = RoundTrip(alice, quiet)
    check(after.within(5.0), "alice's round trip after: %s" % after)
    st1 = status(mucctl)
    rss1 = rss_kb(pid)
    check.link_steady(st0, st1)
    print("the sender received errors: %s" % ", ".join(
        "%d %s" % (n, c) for c, n in sorted(bob.errors.items())), flush=True)
    print("mucd RSS: %d kB before, %d kB after (+%d kB); %d bytes in "
          "on the link" % (rss0, rss1, rss1 - rss0,
                           st1["link"]["bytes_in"] -
                           st0["link"]["bytes_in"]), flush=True)
    hub.close()
    return check.status()


if __name__ == "__main__":
    run(main)
