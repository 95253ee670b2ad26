"""
multicast: mucd sending its broadcasts through its Prosody module
(tests/t/slix_multicast.sh loads the module for conference.localhost, sets
multicast_max_addresses = 3 and adds a component, ghosts.localhost, that
the test connects as).

- mucd found the module and checked it: mucctl status says it is in use;
- a groupchat message to five occupants crosses the link as three
  stanzas (the link's own counter): the sender's own copy, sent directly
  in order with what mucd answers it next, one multicast stanza for three
  of the others and a plain copy for the fourth (a batch of one); each
  occupant gets it once, without the addresses;
- a new participant in a semi-anonymous room: the moderator sees its real
  JID, the other participants do not (each variant of a presence has its
  own multicast stanzas);
- a recipient whose copy bounces is removed (kick-on-error) although the
  server made the copy: the component joins as Ghost and goes away, the
  next message reaches it only through a multicast stanza, its copy
  bounces, and everyone sees Ghost leave with status 333.
"""

import asyncio
import os
import re

import mucclient

NS_ADDRESS = "http://jabber.org/protocol/address"
NS_BCC = "urn:x-mucd:bcc:0"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
GHOST = "ghost@ghosts.localhost/x"


def counters(st):
    return (st["link"]["stanzas_out"], st["multicast"]["stanzas"],
            st["multicast"]["addresses"])


def body_is(text):
    return lambda st: st.name == "message" and st["body"] == text


def item_jid(presence):
    """The jid of the presence's MUC item, or None."""
    item = presence.xml.find("{%s}x/{%s}item" % (NS_MUC_USER, NS_MUC_USER))
    return None if item is None else item.get("jid")


async def message_in_batches(s, room, alice, others):
    before = counters(mucclient.mucd_status())
    alice.send_message(mto=room, mbody="hello all", mtype="groupchat")
    for c in [alice] + others:
        m = await c.expect("the groupchat message", body_is("hello all"))
        s.check(m.xml.find("{%s}addresses" % NS_ADDRESS) is None
                and m.xml.find("{%s}bcc" % NS_BCC) is None,
                "%s's copy carries addresses: %s" % (c.name,
                                                     mucclient.describe(m)))
    after = counters(mucclient.mucd_status())
    delta = tuple(a - b for a, b in zip(after, before))
    s.check(delta == (3, 1, 3),
            "one message to 5 occupants, at most 3 addresses a stanza: "
            "expected 3 stanzas on the link, 1 multicast, 3 addresses; "
            "got %d, %d, %d" % delta)


async def jids_by_variant(s, room, alice, others, frank):
    await frank.join(room, "Frank")
    want = frank.boundjid.full

    def frank_joined(st):
        return (st.name == "presence" and st["type"] != "unavailable"
                and st["from"] == room + "/Frank")
    pres = await alice.expect("Frank's presence", frank_joined)
    s.check(item_jid(pres) == want,
            "the moderator sees Frank as %r, not %r" % (item_jid(pres), want))
    for c in others:
        pres = await c.expect("Frank's presence", frank_joined)
        s.check(item_jid(pres) is None,
                "participant %s sees Frank's real JID %r"
                % (c.name, item_jid(pres)))
    await frank.leave(room, "Frank")


async def bounce_kicks(s, room, alice, ghost):
    ghost.send_raw("<presence from='%s' to='%s/Ghost'><x xmlns='%s'/>"
                   "</presence>" % (GHOST, room, NS_MUC))
    await ghost.expect("Ghost's own presence",
                       lambda st: st.name == "presence"
                       and st["from"] == room + "/Ghost"
                       and 110 in mucclient.status_codes(st))
    await alice.expect("Ghost's arrival",
                       lambda st: st.name == "presence"
                       and st["from"] == room + "/Ghost")
    # Gone without a word: components send no unavailable presence.
    await ghost.disconnect()
    await asyncio.sleep(0.3)
    alice.send_message(mto=room, mbody="anyone there", mtype="groupchat")
    await alice.expect("the groupchat message", body_is("anyone there"))
    kicked = await alice.expect("Ghost's removal",
                                lambda st: st.name == "presence"
                                and st["type"] == "unavailable"
                                and st["from"] == room + "/Ghost")
    s.check(333 in mucclient.status_codes(kicked),
            "Ghost left without status 333: %s" % mucclient.describe(kicked))
    log = os.path.join(os.path.dirname(os.environ["MUCD_CONF"]), "mucd.log")
    with open(log, encoding="utf-8", errors="replace") as f:
        # A record per log line, with the lines of a stanza's text.
        records = re.split(r"\n(?=\d{4}-\d\d-\d\dT)", f.read())
    sent = [r for r in records if "link: out <message to='localhost'" in r
            and "anyone there" in r]
    # In XEP-0033's form, or in mucd's compact one (a JID a line), which
    # the module lists.
    compact = re.compile(r"<bcc xmlns='%s'>(?:[^<]*\n)?%s\n"
                         % (re.escape(NS_BCC), re.escape(GHOST)))
    s.check(any("<address type='bcc' jid='%s'/>" % GHOST in r
                or compact.search(r) for r in sent),
            "Ghost's copy did not go through a multicast stanza: %r" % sent)


async def test(s):
    st = mucclient.mucd_status()["multicast"]
    s.check(st["state"] == "active" and st["service"] == "localhost"
            and st["max_message"] == 3 and st["max_presence"] == 3,
            "multicast is not in use as configured: %r" % st)
    room = s.room("hall")
    alice = await s.client("alice")
    others = [await s.client(n) for n in ("bob", "carol", "dave", "erin")]
    await alice.create(room, "Alice")
    for c in others:
        await c.join(room, c.name.capitalize())
    await message_in_batches(s, room, alice, others)
    await jids_by_variant(s, room, alice, others, await s.client("frank"))
    ghost = await s.component("ghosts.localhost",
                               os.environ["MULTICAST_TEST_SECRET"],
                               int(os.environ["COMPONENT_PORT"]))
    await bounce_kicks(s, room, alice, ghost)


if __name__ == "__main__":
    mucclient.run(test)
