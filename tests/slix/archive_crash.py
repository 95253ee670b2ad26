"""
archive_crash: the client side of tests/t/archive_crash.sh, which kills
mucd with SIGKILL while messages flow and restarts it. Not a two-mode test
(t_slix does not run it): the shell script drives the phases, chosen by
CRASH_PHASE, on the persistent room crashroom@conference.localhost.

flood   (CRASH_ROUND=n, CRASH_IDS=file) Alice (owner; she creates the room
        as persistent in round 1) sends messages as fast as the room takes
        them while Bob is in the room, until the server bounces one (mucd
        was killed) or for FLOOD_SECONDS at most; for every copy Bob
        receives, "STANZA-ID BODY" is appended to the file at once.
verify  (CRASH_IDS=file) Carol pages through the whole archive with
        slixmpp's XEP-0313 plugin: every id in the file must be there with
        its body, no id twice, and no id in the file given to two
        different messages (no id reused across a crash). Then Alice posts
        a few messages: their ids must be new.
"""

import asyncio
import os

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import mucclient

ROOM = "crashroom"
FLOOD_SECONDS = 4.0
AFTER = 5



def read_ids(path):
    """The file's (id, body) lines; fails on an id given to two bodies."""
    seen = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            sid, _, body = line.rstrip("\n").partition(" ")
            if seen.setdefault(sid, body) != body:
                raise mucclient.Failure(
                    "stanza-id %s was given to %r and to %r: reused after a "
                    "crash" % (sid, seen[sid], body))
    return seen


async def make_persistent(owner, room):
    form = await owner.muc.get_room_config(room)
    form.get_fields()["muc#roomconfig_persistentroom"]["value"] = True
    await owner.muc.set_room_config(room, form)


async def flood(s, room, round_no, path):
    alice = await s.client("alice", "r%d" % round_no)
    bob = await s.client("bob", "r%d" % round_no)
    out = open(path, "a", encoding="utf-8")
    gone = asyncio.Event()

    def bounced(msg):
        # The server answers for a component that is gone: stop there.
        if msg["type"] == "error":
            gone.set()
    alice.register_handler(Callback("crash bounce",
                                    MatchXPath("{jabber:client}message"),
                                    bounced))

    def record(msg):
        sid = mucclient.stanza_id(msg, room)
        if msg["type"] == "groupchat" and msg["body"] and sid:
            out.write("%s %s\n" % (sid, msg["body"]))
            out.flush()
    bob.register_handler(Callback("crash record",
                                  MatchXPath("{jabber:client}message"),
                                  record))
    if round_no == 1:
        await alice.create(room, "Alice")
        await make_persistent(alice, room)
    else:
        await alice.join(room, "Alice")
    await bob.join(room, "Bob")
    loop = asyncio.get_running_loop()
    end = loop.time() + FLOOD_SECONDS
    i = 0
    while loop.time() < end and not gone.is_set():
        i += 1
        alice.send_message(mto=room, mbody="round %d message %d"
                           % (round_no, i), mtype="groupchat")
        if i % 20 == 0:
            # Let the stream drain (and Bob's copies arrive).
            await asyncio.sleep(0.02)
    out.close()


async def archive_of(s, room):
    carol = await s.client("carol")
    carol.register_plugin("xep_0313")
    ids = []
    bodies = {}
    async for r in carol.plugin["xep_0313"].iterate(jid=JID(room),
                                                    rsm={"max": 50}):
        sid = r["mam_result"]["id"]
        ids.append(sid)
        bodies[sid] = r["mam_result"]["forwarded"]["stanza"]["body"]
    s.check(len(set(ids)) == len(ids), "the archive holds %d ids twice"
            % (len(ids) - len(set(ids))))
    return bodies


async def verify(s, room, path):
    delivered = read_ids(path)
    s.check(delivered, "no copy was delivered before the crashes")
    archived = await archive_of(s, room)
    lost = [sid for sid in delivered if sid not in archived]
    s.check(not lost, "%d of %d delivered messages are not in the archive "
            "after kill -9, e.g. %s (%r)" % (len(lost), len(delivered),
                                            lost[0] if lost else "",
                                            delivered.get(lost[0]) if lost
                                            else ""))
    wrong = [sid for sid in delivered if archived[sid] != delivered[sid]]
    s.check(not wrong, "archived under %s is %r, delivered as %r"
            % (wrong[0] if wrong else "", archived.get(wrong[0]) if wrong
               else "", delivered.get(wrong[0]) if wrong else ""))
    alice = await s.client("alice", "after")
    await alice.join(room, "Alice")
    for i in range(AFTER):
        text = "after the crashes %d" % i
        alice.send_message(mto=room, mbody=text, mtype="groupchat")
        msg = await alice.expect(repr(text),
                                 lambda st, t=text: st.name == "message"
                                 and st["body"] == t)
        sid = mucclient.stanza_id(msg, room)
        s.check(sid and sid not in delivered and sid not in archived,
                "the message %r after the restart got stanza-id %s, %s"
                % (text, sid, "none" if not sid else "one already given"))


async def test(s):
    room = s.room(ROOM)
    phase = os.environ.get("CRASH_PHASE", "")
    path = os.environ.get("CRASH_IDS", "")
    s.check(path, "CRASH_IDS is not set")
    if phase == "flood":
        await flood(s, room, int(os.environ.get("CRASH_ROUND", "1")), path)
    elif phase == "verify":
        await verify(s, room, path)
    else:
        raise mucclient.Failure("CRASH_PHASE=%r is not flood or verify"
                                % phase)


if __name__ == "__main__":
    mucclient.run(test)
