"""
nick_strict: joining with a nick that fails strict resourceprep (an emoji
with a variation selector, and 'René 🎉') gets jid-malformed from the
occupant address the client joined (as mapped: slixmpp, like the server,
drops U+FE0F), by the room, so the client can tell its join failed.
"""

from slixmpp import JID

import mucclient

TEXT = "Nickname must pass strict validation"


async def test(s):
    room = s.room("nobots")
    c = await s.client("romeo")
    for nick in ("\U0001F916\uFE0F", "Ren\u00e9 \U0001F389"):
        pres = await c.join_error(room, nick)
        want = JID("%s/%s" % (room, nick))
        s.check(pres["from"] == want,
                "the error for nick %r came from %s, not from %s"
                % (nick, pres["from"], want))
        s.check(mucclient.error_of(pres) == ("modify", "jid-malformed",
                                             TEXT, room),
                "nick %r: expected modify/jid-malformed %r by %s, got %s"
                % (nick, TEXT, room, mucclient.describe(pres)))


if __name__ == "__main__":
    mucclient.run(test)
