"""
room_avatar: an owner sets the room's avatar with slixmpp's own vCard
plugin (xep_0054 publish_vcard to the room's JID); another client learns
the hash from the room's presence (vcard-temp:x:update) and from room
information (muc#roominfo_avatarhash), and fetches the same image with
get_vcard. Bad vCards get clear errors and change nothing: one from a
participant, a photo that is no image, one over avatar_max_size, and a
vCard of 10,000 fields.
"""

import hashlib
import struct
import zlib

from slixmpp.exceptions import IqError

import mucclient

NS_UPDATE = "vcard-temp:x:update"
NS_DATA = "jabber:x:data"


def png():
    """A 1x1 PNG, built here so the bytes are known."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\x00\x80\xff")) +
            chunk(b"IEND", b""))


def photo_hash(presence):
    """The hash in a presence's vcard-temp:x:update, or None."""
    x = presence.xml.find("{%s}x" % NS_UPDATE)
    photo = None if x is None else x.find("{%s}photo" % NS_UPDATE)
    return None if photo is None else (photo.text or "")


def info_hashes(iq):
    """muc#roominfo_avatarhash values of a disco#info result."""
    out = []
    for x in iq.xml.iter("{%s}x" % NS_DATA):
        for f in x.findall("{%s}field" % NS_DATA):
            if f.get("var") == "muc#roominfo_avatarhash":
                out += [v.text for v in f.findall("{%s}value" % NS_DATA)]
    return out


def condition(iq):
    """The error condition, read from the XML: slixmpp 1.8 knows only
    RFC 3920's, and policy-violation is RFC 6120's."""
    ns = "urn:ietf:params:xml:ns:xmpp-stanzas"
    for err in iq.xml.iter("{jabber:client}error"):
        for c in err:
            if c.tag.startswith("{%s}" % ns) and c.tag != "{%s}text" % ns:
                return c.tag.split("}")[1]
    return None


async def refused(s, client, room, vcard, cond, what):
    try:
        await client["xep_0054"].publish_vcard(vcard, jid=room)
    except IqError as exc:
        got = condition(exc.iq)
        s.check(got == cond, "%s: %s, not %s (%s)"
                % (what, got, cond, exc.iq["error"]["text"]))
        s.check(exc.iq["error"]["text"] != "",
                "%s: the error says nothing" % what)
        return
    raise mucclient.Failure("%s was accepted" % what)


def vcard_of(client, data, kind="image/png"):
    vcard = client["xep_0054"].make_vcard()
    vcard["PHOTO"]["TYPE"] = kind
    vcard["PHOTO"]["BINVAL"] = data
    return vcard


async def test(s):
    room = s.room("slixavatar")
    owner = await s.client("romeo")
    guest = await s.client("juliet")
    for c in (owner, guest):
        c.register_plugin("xep_0054")
    await owner.create(room, "Romeo")
    await guest.join(room, "Juliet")

    image = png()
    want = hashlib.sha1(image).hexdigest()
    await owner["xep_0054"].publish_vcard(vcard_of(owner, image), jid=room)
    pres = await guest.expect("the room's presence with the hash",
                              lambda st: st.name == "presence"
                              and st["from"] == room
                              and photo_hash(st) is not None)
    s.check(photo_hash(pres) == want, "presence hash %r, the image's is %s"
            % (photo_hash(pres), want))
    info = await guest["xep_0030"].get_info(jid=room)
    s.check(info_hashes(info) == [want], "room information gives %r"
            % info_hashes(info))
    got = await guest["xep_0054"].get_vcard(jid=room)
    s.check(got["vcard_temp"]["PHOTO"]["BINVAL"] == image,
            "get_vcard returned another image")
    s.check(got["vcard_temp"]["PHOTO"]["TYPE"] == "image/png",
            "type %r" % got["vcard_temp"]["PHOTO"]["TYPE"])

    await refused(s, guest, room, vcard_of(guest, image), "forbidden",
                  "a participant's vCard")
    await refused(s, owner, room, vcard_of(owner, b"GIF? no, plain text"),
                  "not-acceptable", "a photo that is no image")
    await refused(s, owner, room,
                  vcard_of(owner, b"\x89PNG\r\n\x1a\n" + b"\0" * 40000),
                  "policy-violation", "a photo over avatar_max_size")
    many = vcard_of(owner, image)
    for i in range(10000):
        note = many.xml.makeelement("{vcard-temp}NOTE", {})
        note.text = str(i)
        many.xml.append(note)
    await refused(s, owner, room, many, "not-acceptable",
                  "a vCard of 10,000 fields")

    got = await guest["xep_0054"].get_vcard(jid=room)
    s.check(got["vcard_temp"]["PHOTO"]["BINVAL"] == image,
            "a refused vCard changed the avatar")


if __name__ == "__main__":
    mucclient.run(test)
