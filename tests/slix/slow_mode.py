"""
slow_mode: an owner turns slow mode on with slixmpp's own set_room_config
(muc#roomconfig_slow_mode_duration, XEP-0500); a participant's second
message within the interval comes back as a wait/policy-violation error
whose text says the interval and how many seconds are left, and nobody
else receives it.
"""

import re

import mucclient


async def test(s):
    room = s.room("slixslow")
    owner = await s.client("romeo")
    guest = await s.client("juliet")
    await owner.join(room, "Romeo")
    form = await owner.muc.get_room_config(room)
    fields = form.get_fields()
    s.check("muc#roomconfig_slow_mode_duration" in fields,
            "the configuration form has no muc#roomconfig_slow_mode_duration")
    fields["muc#roomconfig_slow_mode_duration"]["value"] = "600"
    await owner.muc.set_room_config(room, form)
    await guest.join(room, "Juliet")

    guest.send_message(mto=room, mbody="first", mtype="groupchat")
    await owner.expect("the first message", lambda st: st.name == "message"
                       and st["body"] == "first")
    guest.send_message(mto=room, mbody="second", mtype="groupchat")
    err = await guest.expect("the slow mode error",
                             lambda st: st.name == "message"
                             and st["type"] == "error")
    kind, cond, text, _ = mucclient.error_of(err)
    s.check(kind == "wait", "error type %r, not wait" % kind)
    # slixmpp 1.8 knows RFC 3920's conditions only: read the element.
    s.check(err.xml.find(".//{urn:ietf:params:xml:ns:xmpp-stanzas}"
                         "policy-violation") is not None,
            "no policy-violation in %s" % mucclient.describe(err))
    m = re.search(r"one message every (\d+) s; wait (\d+) s", text or "")
    s.check(m is not None, "the error text %r gives no wait time" % text)
    s.check(m.group(1) == "600" and 0 < int(m.group(2)) <= 600,
            "the error text %r: interval 600 s and a wait up to it" % text)
    owner.send_message(mto=room, mbody="third", mtype="groupchat")
    msg = await owner.expect("the owner's own message",
                             lambda st: st.name == "message"
                             and st["type"] == "groupchat"
                             and st["body"] in ("second", "third"))
    s.check(msg["body"] == "third", "the refused message was relayed")


if __name__ == "__main__":
    mucclient.run(test)
