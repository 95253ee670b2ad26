"""
mam_moderate: a moderator removes a message with slixmpp's own XEP-0425
plugin (its urn:xmpp:message-moderate:0 form, by the room's stanza-id and
with a reason); the plugin on an occupant's side recognizes the room's
broadcast as a moderation of that message, and slixmpp's XEP-0313 plugin
then finds the archived message without its body, retracted by the
moderator, while the message before it is untouched.
"""

import asyncio

from slixmpp import JID

import mucclient

NS_RETRACT = "urn:xmpp:message-retract:1"
NS_MODERATE = "urn:xmpp:message-moderate:1"



async def said(s, speaker, listener, room, text):
    """speaker says text in room; its stanza-id, from listener's copy."""
    speaker.send_message(mto=room, mbody=text, mtype="groupchat")
    msg = await listener.expect(repr(text),
                                lambda st: st.name == "message"
                                and st["body"] == text)
    sid = mucclient.stanza_id(msg, room)
    s.check(sid is not None, "no stanza-id on %s" % mucclient.describe(msg))
    return sid


async def test(s):
    room = s.room("slixmoderate")
    alice = await s.client("alice")
    bob = await s.client("bob")
    for c in (alice, bob):
        c.register_plugin("xep_0425")
    alice.register_plugin("xep_0313")
    moderated = asyncio.get_running_loop().create_future()
    bob.add_event_handler("moderated_message",
                          lambda m: moderated.done() or
                          moderated.set_result(m))

    await alice.create(room, "Alice")
    await bob.join(room, "Bob")
    kept = await said(s, bob, alice, room, "Hello all.")
    spam = await said(s, bob, alice, room, "Cheap watches!")

    await alice.plugin["xep_0425"].moderate(JID(room), spam, "Spam")

    try:
        msg = await asyncio.wait_for(moderated, s.timeout)
    except asyncio.TimeoutError:
        raise mucclient.Failure("slixmpp saw no moderated_message event at "
                                "Bob's within %g s" % s.timeout) from None
    apply_to = msg["apply_to"]
    s.check(msg["from"] == JID(room) and apply_to["id"] == spam,
            "the moderation broadcast is from %s for %s, not from the room "
            "for %s" % (msg["from"], apply_to["id"], spam))
    s.check(apply_to["moderated"]["by"] == JID(room + "/Alice")
            and apply_to["moderated"]["reason"] == "Spam",
            "the moderation broadcast says by %s, reason %r"
            % (apply_to["moderated"]["by"], apply_to["moderated"]["reason"]))

    found = {}
    async for r in alice.plugin["xep_0313"].iterate(jid=JID(room),
                                                    rsm={"max": 50}):
        found[r["mam_result"]["id"]] = r["mam_result"]["forwarded"]["stanza"]
    s.check(set(found) >= {kept, spam}, "the archive lacks %s"
            % sorted({kept, spam} - set(found)))
    s.check(found[kept]["body"] == "Hello all.",
            "the message before the moderated one lost its body")
    tomb = found[spam]
    retracted = tomb.xml.find("{%s}retracted" % NS_RETRACT)
    by = retracted.find("{%s}moderated" % NS_MODERATE) \
        if retracted is not None else None
    s.check(not tomb["body"] and by is not None
            and by.get("by") == room + "/Alice",
            "the moderated message in the archive is not a tombstone "
            "retracted by %s/Alice: %s" % (room, mucclient.describe(tomb)))


if __name__ == "__main__":
    mucclient.run(test)
