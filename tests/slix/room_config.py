"""
room_config: an owner creates a room and configures it with slixmpp's own
set_room_config, which submits the whole form back, labels of the 'fixed'
fields included (the last one without var or type); the room is then
unlocked, so a second client can enter, and the changed value is kept.
"""

import mucclient


async def test(s):
    room = s.room("slixconfig")
    owner = await s.client("romeo")
    guest = await s.client("juliet")

    pres = await owner.join(room, "Romeo")
    s.check(201 in mucclient.status_codes(pres),
            "a new room must be announced with status 201: %s"
            % mucclient.describe(pres))

    form = await owner.muc.get_room_config(room)
    fields = form.get_fields()
    s.check("muc#roomconfig_roomname" in fields,
            "the configuration form has no muc#roomconfig_roomname")
    fields["muc#roomconfig_roomname"]["value"] = "Balcony"
    await owner.muc.set_room_config(room, form)

    await guest.join(room, "Juliet")

    form = await owner.muc.get_room_config(room)
    name = form.get_fields()["muc#roomconfig_roomname"]["value"]
    s.check(name == "Balcony",
            "the room name after the submission is %r, not 'Balcony'" % name)


if __name__ == "__main__":
    mucclient.run(test)
