"""biglist: issue 13 item 4 through a real Prosody. An owner adds 6,500
members with JIDs of 50 characters, in muc#admin sets of 250 items, and
asks for the member list, which would be over Prosody's 512 KiB limit
for a component stanza.

    biglist.py C2S_PORT MUCCTL... [--cap N] [--members N]

With --cap N (mucd's max_affiliations; 0, the default, for none),
additions past N must be refused with not-allowed and the list (what
fit) must arrive; without, every addition is accepted and the list must
be refused with resource-constraint. Either way the link stays up and another user's
round trip in another room keeps working. Exit 0 when all held.
"""

import sys
import time

from c2s import (Checks, Client, Hub, NS_MUC_ADMIN, error_condition,
                 error_text, instant_room, options, RoundTrip, run, status,
                 tag)

DOMAIN = "conference.localhost"
BATCH = 250


def main():
    opt, args = options(sys.argv[1:], {"cap": 0, "members": 6500})
    cap, members = opt["cap"] or None, opt["members"]
    port, mucctl = int(args[0]), args[1:]
    check = Checks()

    hub = Hub(port)
    alice = Client(hub, "alice")
    quiet = "quiet@" + DOMAIN
    instant_room(alice, quiet, "Alice")
    st0 = status(mucctl)
    owner = Client(hub, "owner")
    big = "big@" + DOMAIN
    instant_room(owner, big, "Owner")
    accepted = refused = 0
    other = []
    t0 = time.monotonic()
    for b in range(0, members, BATCH):
        items = "".join(
            "<item affiliation='member' jid='%s'/>"
            % ("member-%05d-" % i).ljust(40, "x") + "@localhost"
            for i in range(b, min(b + BATCH, members)))
        res = owner.iq(big, "<query xmlns='%s'>%s</query>"
                       % (NS_MUC_ADMIN, items), "set", 30.0)
        if res is not None and res.get("type") == "result":
            accepted += BATCH
        elif res is not None and error_condition(res) == "not-allowed":
            refused += BATCH
        else:
            other.append(error_condition(res) if res is not None
                         else "no answer")
    print("%d members added, %d refused in %.1f s" % (
        accepted, refused, time.monotonic() - t0), flush=True)
    check(not other, "every batch answered (%s)" % (other or "yes"))
    # The owner holds one affiliation too; batches are all or nothing.
    fit = (cap - 1) // BATCH * BATCH if cap is not None else members
    if cap is not None:
        check(accepted == fit and refused == members - fit,
              "additions past max_affiliations = %d refused with "
              "not-allowed" % cap)
    else:
        check(accepted == members, "all %d accepted" % members)
    t0 = time.monotonic()
    res = owner.iq(big, "<query xmlns='%s'><item affiliation='member'/>"
                   "</query>" % NS_MUC_ADMIN, "get", 30.0)
    took = time.monotonic() - t0
    if res is None:
        check(False, "member list: no answer in %.1f s" % took)
    elif cap is not None:
        n = len([i for i in res.iter() if tag(i) == "item"])
        check(res.get("type") == "result" and n == fit,
              "member list: %d items in %.2f s" % (n, took))
    else:
        check(error_condition(res) == "resource-constraint",
              "member list: %s (%s) in %.2f s" % (
                  error_condition(res), error_text(res), took))
    rt = RoundTrip(alice, quiet, 10.0)
    check(rt.within(5.0), "alice's round trip after: %s" % rt)
    st1 = status(mucctl)
    check.link_steady(st0, st1)
    hub.close()
    return check.status()


if __name__ == "__main__":
    run(main)
