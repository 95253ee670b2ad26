"""
multicast_large: a multicast stanza never exceeds max_stanza_out, which
the link does not send (tests/t/slix_multicast_large.sh: the module,
max_stanza_out = 16K). Six occupants with 1000-character resources get a
message whose copies nearly fill that size: the addresses no longer fit
in one stanza with it, so the broadcast leaves in several (each
recipient either named in one of them or sent a plain copy), none is
dropped as oversized, and everyone gets the message.
"""

import mucclient

RESOURCE = "r" * 1000
BODY = "x" * 12500


def status():
    st = mucclient.mucd_status()
    return (st["link"]["stanzas_out"], st["link"]["oversized_out"],
            st["multicast"]["stanzas"], st["multicast"]["addresses"],
            st["multicast"]["state"])


async def test(s):
    room = s.room("attic")
    users = [await s.client(n, RESOURCE)
             for n in ("alice", "bob", "carol", "dave", "erin", "fred")]
    s.check(status()[4] == "active", "multicast is not in use")
    await users[0].create(room, "Alice")
    for c in users[1:]:
        await c.join(room, c.name.capitalize())
    before = status()
    users[0].send_message(mto=room, mbody=BODY, mtype="groupchat")
    for c in users:
        await c.expect("the large message", lambda st: st.name == "message"
                       and st["body"] == BODY)
    after = status()
    link, oversized, mstanzas, addresses = (a - b for a, b in
                                            zip(after[:4], before[:4]))
    s.check(oversized == 0, "%d stanza(s) dropped as oversized" % oversized)
    s.check(mstanzas >= 2,
            "one multicast stanza for six 1000-character addresses and a "
            "message near max_stanza_out (%d)" % mstanzas)
    s.check(addresses + (link - mstanzas) == len(users),
            "%d addresses and %d plain copies for %d recipients"
            % (addresses, link - mstanzas, len(users)))


if __name__ == "__main__":
    mucclient.run(test)
