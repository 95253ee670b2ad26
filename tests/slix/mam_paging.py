"""
mam_paging: slixmpp's own XEP-0313 plugin, with its XEP-0059 result
iterator, pages through a room archive of 120 messages sent in two batches
more than a second apart: forwards and backwards in pages of 50, every id
and body in order, down to the empty page past the end; a query without
<max/> gets the service's default page (20) and one asking for 100 gets its
cap (50), neither marked complete; 'start' and 'end' at the stamps the
archive gave tell the two batches apart.
"""

import asyncio

from slixmpp import JID

import mucclient

BATCH = 60
NS_MAM = "urn:xmpp:mam:2"
NS_DELAY = "urn:xmpp:delay"
PAGE_DEFAULT = 20
PAGE_MAX = 50



def body(i):
    return "message %03d" % i


async def post(s, alice, bob, room, first):
    """Alice sends BATCH messages; their stanza-ids, in order, as Bob's
    copies carry them."""
    for i in range(first, first + BATCH):
        alice.send_message(mto=room, mbody=body(i), mtype="groupchat")
    ids = []
    for i in range(first, first + BATCH):
        msg = await bob.expect(repr(body(i)),
                               lambda st, b=body(i): st.name == "message"
                               and st["body"] == b)
        sid = mucclient.stanza_id(msg, room)
        s.check(sid is not None, "Bob's copy of %r has no stanza-id by %s: %s"
                % (body(i), room, mucclient.describe(msg)))
        ids.append(sid)
    return ids


def forwarded(result):
    """The archived message and its delay stamp (as sent) of a result."""
    fwd = result["mam_result"]["forwarded"]
    delay = fwd.xml.find("{%s}delay" % NS_DELAY)
    return fwd["stanza"], delay.get("stamp") if delay is not None else None


def complete(iq):
    fin = iq.xml.find("{%s}fin" % NS_MAM)
    return fin is not None and fin.get("complete") in ("true", "1")


def check_results(s, what, results, ids, bodies):
    """results (result messages) must be exactly ids, with those bodies."""
    got = [r["mam_result"]["id"] for r in results]
    if got != ids:
        raise mucclient.Failure(
            "%s: %d results, not the %d expected; first difference at %s"
            % (what, len(got), len(ids),
               next((i for i, (a, b) in enumerate(zip(got, ids)) if a != b),
                    min(len(got), len(ids)))))
    for r, b in zip(results, bodies):
        msg, stamp = forwarded(r)
        s.check(msg["body"] == b and stamp,
                "%s: result %s has body %r and stamp %r, expected %r"
                % (what, r["mam_result"]["id"], msg["body"], stamp, b))


async def pages(mam, room, reverse, **kw):
    """Every page of a paged query, through the plugin's RSM iterator."""
    out = []
    async for page in mam.retrieve(jid=JID(room), iterator=True,
                                   reverse=reverse, rsm={"max": PAGE_MAX},
                                   **kw):
        out.append(page)
    return out


async def check_forwards(s, mam, room, ids, bodies):
    got = [m async for m in mam.iterate(jid=JID(room),
                                        rsm={"max": PAGE_MAX})]
    check_results(s, "forwards with iterate()", got, ids, bodies)
    seen = await pages(mam, room, False)
    sizes = [len(p["mam"]["results"]) for p in seen]
    s.check(sizes == [50, 50, 20], "forward pages of %s, not [50, 50, 20]"
            % sizes)
    s.check([complete(p) for p in seen] == [False, False, True],
            "forward pages complete: %s, expected only the last"
            % [complete(p) for p in seen])
    for p in seen:
        res = p["mam"]["results"]
        rsm = p["mam_fin"]["rsm"]
        s.check(rsm["first"] == res[0]["mam_result"]["id"]
                and rsm["last"] == res[-1]["mam_result"]["id"],
                "a page's <first/>/<last/> are %s/%s, not its first and "
                "last results" % (rsm["first"], rsm["last"]))
    # The iterator stops at the first page without <first/> and <last/>,
    # and silently on an error: ask for the page past the end ourselves.
    past = await mam.retrieve(jid=JID(room), rsm={"max": PAGE_MAX,
                                                  "after": ids[-1]})
    s.check(not past["mam"]["results"] and complete(past)
            and not past["mam_fin"]["rsm"]["first"],
            "the page after the newest message is not empty and complete: %s"
            % mucclient.describe(past))


async def check_backwards(s, mam, room, ids, bodies):
    got = [m async for m in mam.iterate(jid=JID(room), reverse=True,
                                        rsm={"max": PAGE_MAX})]
    check_results(s, "backwards with iterate(reverse=True)", got,
                  ids[::-1], bodies[::-1])
    seen = await pages(mam, room, True)
    sizes = [len(p["mam"]["results"]) for p in seen]
    s.check(sizes == [50, 50, 20], "backward pages of %s, not [50, 50, 20]"
            % sizes)
    s.check([complete(p) for p in seen] == [False, False, True],
            "backward pages complete: %s, expected only the last"
            % [complete(p) for p in seen])
    # Within a page, oldest first (the plugin's iterate() relies on it).
    first = [r["mam_result"]["id"] for r in seen[0]["mam"]["results"]]
    s.check(first == ids[-50:], "the last page is not the newest 50 "
            "messages oldest first")


async def check_page_sizes(s, mam, room, ids):
    dflt = await mam.retrieve(jid=JID(room))
    got = [r["mam_result"]["id"] for r in dflt["mam"]["results"]]
    s.check(got == ids[:PAGE_DEFAULT] and not complete(dflt),
            "without <max/>: %d results (complete %s), expected the oldest "
            "%d, not complete" % (len(got), complete(dflt), PAGE_DEFAULT))
    big = await mam.retrieve(jid=JID(room), rsm={"max": 100})
    got = [r["mam_result"]["id"] for r in big["mam"]["results"]]
    s.check(got == ids[:PAGE_MAX] and not complete(big),
            "with <max>100</max>: %d results (complete %s), expected the "
            "oldest %d, not complete" % (len(got), complete(big), PAGE_MAX))


async def check_time(s, mam, room, ids_a, ids_b, bodies):
    """'end' at batch A's last stamp and 'start' at batch B's first."""
    everything = [m async for m in mam.iterate(jid=JID(room),
                                               rsm={"max": PAGE_MAX})]
    _, end_a = forwarded(everything[BATCH - 1])
    _, start_b = forwarded(everything[BATCH])
    got = [m async for m in mam.iterate(jid=JID(room), end=end_a,
                                        rsm={"max": PAGE_MAX})]
    check_results(s, "end=%s" % end_a, got, ids_a, bodies[:BATCH])
    got = [m async for m in mam.iterate(jid=JID(room), start=start_b,
                                        rsm={"max": PAGE_MAX})]
    check_results(s, "start=%s" % start_b, got, ids_b, bodies[BATCH:])


async def test(s):
    room = s.room("slixmam")
    alice = await s.client("alice")
    bob = await s.client("bob")
    carol = await s.client("carol")
    carol.register_plugin("xep_0313")
    mam = carol.plugin["xep_0313"]

    await alice.create(room, "Alice")
    await bob.join(room, "Bob")
    ids_a = await post(s, alice, bob, room, 1)
    # Stamps may have a resolution of a second.
    await asyncio.sleep(1.2)
    ids_b = await post(s, alice, bob, room, 1 + BATCH)
    ids = ids_a + ids_b
    bodies = [body(i) for i in range(1, 1 + 2 * BATCH)]
    s.check(len(set(ids)) == len(ids), "stanza-ids repeat")

    # Carol is not in the (public) room: she may still search it.
    await check_forwards(s, mam, room, ids, bodies)
    await check_backwards(s, mam, room, ids, bodies)
    await check_page_sizes(s, mam, room, ids)
    await check_time(s, mam, room, ids_a, ids_b, bodies)


if __name__ == "__main__":
    mucclient.run(test)
