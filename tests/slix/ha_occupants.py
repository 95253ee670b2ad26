"""
ha_occupants: the client side of tests/t/ha_occupants.sh, which kills the
replication group's master while these clients sit in their rooms. Not a
two-mode test (Prosody's MUC has no failover): the shell script drives it
through files in HA_DIR.

Alice makes the persistent room "stay" and the temporary room "brief";
Bob joins both, Carol joins "stay"; then HA_DIR/joined. After
HA_DIR/killed, Carol's connection is cut (her server tells the room, which
is not there to hear it), then HA_DIR/carol-gone. After HA_DIR/served (a
new master answers), without anyone rejoining: Bob's messages to both
rooms reach Alice, Alice and Bob were never told they left, the room tells
them Carol is gone (the new master checked her session), and a newcomer
sees Alice and Bob in "stay" but not Carol.

With HA_ROUNDS=N (make check-ha, tests/ha/check-ha.sh): Alice and Bob
join "stay" once (HA_DIR/joined) and stay through N failovers while Bob
talks all along and Alice makes members of "stay" through XMPP, one
after the other, noting each JID the service acknowledged (an IQ
result) in HA_DIR/xacked at once; in round r, after HA_DIR/served.r, a
message each way gets through without a rejoin and neither was told to
leave, then HA_DIR/ok.r.
"""

import asyncio
import os

from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout

import mucclient


async def make_persistent(owner, room):
    form = await owner.muc.get_room_config(room)
    form.get_fields()["muc#roomconfig_persistentroom"]["value"] = True
    await owner.muc.set_room_config(room, form)


async def wait_for(path, what):
    for _ in range(1200):
        if os.path.exists(path):
            return
        await asyncio.sleep(0.1)
    raise mucclient.Failure("the test script never said %s" % what)


def touch(path):
    with open(path, "w", encoding="utf-8"):
        pass


def told_to_leave(client, room):
    """An unavailable presence of our own (110) from room, if any came."""
    for st in client._inbox:
        if (st.name == "presence" and st["type"] == "unavailable"
                and st["from"].bare == room
                and 110 in mucclient.status_codes(st)):
            return st
    return None


async def relayed(s, sender, reader, room, text):
    sender.send_message(mto=room, mbody=text, mtype="groupchat")
    msg = await reader.expect("%r in %s" % (text, room),
                              lambda st: st.name == "message"
                              and st["body"] == text)
    s.check(msg["type"] == "groupchat",
            "%r came back as %s: %s" % (text, msg["type"],
                                        mucclient.describe(msg)))


async def chatter(bob, room):
    """Messages all along, as people talk; those sent while no master
    serves bounce, which is what a failover costs them."""
    i = 0
    while True:
        i += 1
        bob.send_message(mto=room, mbody="chatter %d" % i, mtype="groupchat")
        await asyncio.sleep(0.2)


async def xmpp_writer(alice, room, path):
    """Affiliation changes through XMPP all along; those refused or
    unanswered (no master serves, or the one that had the request died
    with it) are simply not noted."""
    i = 0
    with open(path, "a", encoding="utf-8") as out:
        while True:
            i += 1
            jid = "xw%d@localhost" % i
            try:
                await asyncio.wait_for(alice.muc.set_affiliation(
                    JID(room), "member", jid=JID(jid)), 5)
            except (IqError, IqTimeout, asyncio.TimeoutError):
                await asyncio.sleep(0.2)
                continue
            out.write(jid + "\n")
            out.flush()
            await asyncio.sleep(0.02)


async def rounds(s, d, n):
    stay = s.room("stay")
    alice = await s.client("alice")
    bob = await s.client("bob")
    await alice.create(stay, "Alice")
    await make_persistent(alice, stay)
    await bob.join(stay, "Bob")
    talk = asyncio.ensure_future(chatter(bob, stay))
    write = asyncio.ensure_future(xmpp_writer(alice, stay,
                                              os.path.join(d, "xacked")))
    touch(os.path.join(d, "joined"))
    try:
        for r in range(1, n + 1):
            await wait_for(os.path.join(d, "served.%d" % r),
                           "round %d's new master serves" % r)
            await relayed(s, bob, alice, stay, "round %d, to Alice" % r)
            await relayed(s, alice, bob, stay, "round %d, to Bob" % r)
            for who in (alice, bob):
                gone = told_to_leave(who, stay)
                s.check(gone is None, "round %d: %s was told to leave: %s"
                        % (r, who.name, gone and mucclient.describe(gone)))
                # Keep the inboxes small over many rounds.
                who._inbox.clear()
            touch(os.path.join(d, "ok.%d" % r))
    finally:
        talk.cancel()
        write.cancel()


async def test(s):
    d = os.environ.get("HA_DIR", "")
    s.check(d, "HA_DIR is not set")
    if os.environ.get("HA_ROUNDS"):
        await rounds(s, d, int(os.environ["HA_ROUNDS"]))
        return
    stay, brief = s.room("stay"), s.room("brief")
    alice = await s.client("alice")
    bob = await s.client("bob")
    carol = await s.client("carol")
    await alice.create(stay, "Alice")
    await make_persistent(alice, stay)
    await alice.create(brief, "Alice")
    await bob.join(stay, "Bob")
    await bob.join(brief, "Bob")
    await carol.join(stay, "Carol")
    await relayed(s, bob, alice, stay, "before the failover")
    touch(os.path.join(d, "joined"))

    await wait_for(os.path.join(d, "killed"), "the master was killed")
    carol.abort()
    touch(os.path.join(d, "carol-gone"))

    await wait_for(os.path.join(d, "served"), "a new master serves")
    await relayed(s, bob, alice, stay, "after the failover")
    await relayed(s, bob, alice, brief, "the temporary room too")
    await relayed(s, alice, bob, stay, "and back")
    await alice.expect("Carol's departure from %s" % stay,
                       lambda st: st.name == "presence"
                       and st["type"] == "unavailable"
                       and str(st["from"]) == stay + "/Carol",
                       timeout=15)
    for who, room in ((alice, stay), (alice, brief), (bob, stay),
                      (bob, brief)):
        gone = told_to_leave(who, room)
        s.check(gone is None, "%s was told to leave %s: %s"
                % (who.name, room, gone and mucclient.describe(gone)))
    dave = await s.client("dave")
    await dave.join(stay, "Dave")
    seen = {str(st["from"].resource) for st in dave._inbox
            if st.name == "presence" and st["from"].bare == stay
            and st["type"] != "unavailable"}
    s.check({"Alice", "Bob"} <= seen and "Carol" not in seen,
            "a newcomer sees %s in %s, not Alice and Bob without Carol"
            % (sorted(seen), stay))


if __name__ == "__main__":
    mucclient.run(test)
