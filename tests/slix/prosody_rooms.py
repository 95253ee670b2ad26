"""
prosody_rooms: the client side of tests/t/prosody_import.sh, which moves the
rooms of Prosody's own MUC (the fixture in reference mode, its rooms in
files) out with `mucctl import prosody`. Not a two-mode test (t_slix does
not run it); the phase is the first argument.

create  Builds ROOMS (below) through XMPP on Prosody's MUC: 'orchard', a
        persistent members-only room with a password and most options
        changed, an owner, an admin with a nick reserved by the owner, a
        member who registers his nick himself (jabber:iq:register), two
        outcasts (one a domain) and a subject; 'market', persistent,
        public and moderated, the rest as Prosody's defaults leave it;
        'ruins', persistent and then destroyed (Prosody keeps a
        tombstone); 'tent', temporary, with Tybalt in it. The script
        lets Prosody keep two rooms in memory (muc_room_cache_size): a
        look at two others pushes the tent out, and Prosody saves it
        with its occupant, to bring it back when it is used. Then this
        writes the file ROOMS_READY names and waits until the server goes
        away: the script kills Prosody, so the tent stays in its files,
        as after a crash.
check DOC WARNINGS
        The document mucctl wrote (DOC) must be valid mucd-rooms/1 and
        hold exactly the rooms that are to move, equal to ROOMS field by
        field; WARNINGS (mucctl's stderr) must say what was left out, and
        nothing else.
"""

import asyncio
import json
import os
import re
import sys

import mucclient

DOMAIN = mucclient.MUC_DOMAIN
NS_REGISTER = "jabber:iq:register"
NS_DATA = "jabber:x:data"
PROSODY_INVITES = "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites"

# What each room is given (form field: value), and what mucctl must make
# of it: the room as the document has it.
ORCHARD_FORM = {
    "muc#roomconfig_roomname": "The Orchard",
    "muc#roomconfig_roomdesc": "Apples & pears",
    "muc#roomconfig_lang": "de",
    "muc#roomconfig_persistentroom": True,
    "muc#roomconfig_publicroom": False,
    "muc#roomconfig_roomsecret": "s3cret",
    "muc#roomconfig_membersonly": True,
    PROSODY_INVITES: True,
    "muc#roomconfig_changesubject": True,
    "muc#roomconfig_moderatedroom": False,
    "muc#roomconfig_whois": "anyone",
    "muc#roomconfig_historylength": "15",
    "muc#roomconfig_defaulthistorymessages": "7",
    "muc#roomconfig_presencebroadcast": ["participant", "moderator"],
    "muc#roomconfig_enablearchiving": False,
}
MARKET_FORM = {
    "muc#roomconfig_roomname": "Market",
    "muc#roomconfig_persistentroom": True,
    "muc#roomconfig_publicroom": True,
    "muc#roomconfig_moderatedroom": True,
}
SUBJECT = "Harvest on Friday"

ROOMS = {
    "orchard@" + DOMAIN: {
        "jid": "orchard@" + DOMAIN,
        "config": {
            "name": "The Orchard", "description": "Apples & pears",
            "language": "de", "password": "s3cret", "persistent": True,
            "public": False, "members_only": True, "moderated": False,
            "allow_member_invites": True, "change_subject": True,
            "whois": "anyone", "history_length": 15, "default_history": 7,
            "presence_broadcast": ["participant", "moderator"],
            "archiving": False,
        },
        "subject": SUBJECT,
        # Owners first, then by JID; Prosody 0.12 keeps no reasons.
        "affiliations": [
            {"jid": "romeo@localhost", "affiliation": "owner"},
            {"jid": "juliet@localhost", "affiliation": "admin",
             "nick": "Juliet"},
            {"jid": "mercutio@localhost", "affiliation": "member",
             "nick": "Mercutio"},
            {"jid": "spam.example", "affiliation": "outcast"},
            {"jid": "tybalt@localhost", "affiliation": "outcast"},
        ],
    },
    # Prosody keeps no value for what stayed at its default: its code's
    # default is how the room behaved (the form said so), and is written.
    "market@" + DOMAIN: {
        "jid": "market@" + DOMAIN,
        "config": {
            "name": "Market", "language": "en", "persistent": True,
            "public": True, "members_only": False, "moderated": True,
            "allow_member_invites": False, "change_subject": False,
            "whois": "moderators", "history_length": 20,
            "default_history": 20,
            "presence_broadcast": ["visitor", "participant", "moderator"],
            "archiving": True,
        },
        "affiliations": [
            {"jid": "juliet@localhost", "affiliation": "owner"},
        ],
    },
}

# mucctl's warnings (after "mucctl: import prosody: "), as patterns: what
# Prosody keeps that does not move, and the rooms that do not.
NO_EQUIVALENT = "Prosody setting '%s' has no mucd equivalent; left out"
NO_PLACE = ("Prosody setting '%s' \\(%s\\) has no place in a rooms "
            "document; left out")
WARNINGS = [
    "orchard@%s: %s" % (DOMAIN, NO_EQUIVALENT % "occupant_id_salt"),
    "orchard@%s: %s" % (DOMAIN, NO_PLACE % ("subject_from",
                                             "who set the subject")),
    "orchard@%s: %s" % (DOMAIN, NO_PLACE % ("subject_time",
                                             "when the subject was set")),
    "market@%s: %s" % (DOMAIN, NO_EQUIVALENT % "occupant_id_salt"),
    "ruins@%s: destroyed in Prosody \\(a tombstone, kept until "
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\\); left out" % DOMAIN,
    "tent@%s: a temporary room \\(Prosody saves one with its occupants, "
    "to bring it back\\); left out" % DOMAIN,
]

# mucd-rooms/1: the JSON type of every room option, as roomcfg_json()
# prints them (common/roomcfg.c), and the other keys' types.
ROLES = ("none", "visitor", "participant", "moderator")
OPTION_TYPES = {
    "name": str, "description": str, "language": str, "password": str,
    "persistent": bool, "public": bool, "members_only": bool,
    "moderated": bool, "allow_member_invites": bool,
    "change_subject": bool, "logging": bool, "whois": str, "allow_pm": str,
    "max_occupants": int, "history_length": int, "default_history": int,
    "presence_broadcast": list, "get_member_list": list, "archiving": bool,
    "archive_days": int, "archive_messages": int,
}
ENUMS = {"whois": ("moderators", "anyone"),
         "allow_pm": ("anyone", "participants", "moderators", "none")}
AFFILIATIONS = ("owner", "admin", "member", "outcast")


# ---- create -------------------------------------------------------------

async def configure(client, room, values):
    """Submit the room's form with values changed."""
    form = await client.muc.get_room_config(room)
    fields = form.get_fields()
    for var, value in values.items():
        if var not in fields:
            raise mucclient.Failure("%s's form has no field %s"
                                    % (room, var))
        fields[var]["value"] = value
    await client.muc.set_room_config(room, form)


async def register_nick(client, room, nick):
    """Reserve nick in room as XEP-0045 7.10 says: get the form, submit it."""
    iq = client.make_iq_get(queryxmlns=NS_REGISTER, ito=room)
    reply = await iq.send()
    if reply.xml.find("{%s}query/{%s}x" % (NS_REGISTER, NS_DATA)) is None:
        raise mucclient.Failure("%s sent no registration form: %s"
                                % (room, mucclient.describe(reply)))
    iq = client.make_iq_set(ito=room)
    query = iq.xml.makeelement("{%s}query" % NS_REGISTER, {})
    form = query.makeelement("{%s}x" % NS_DATA, {"type": "submit"})
    for var, value in (("FORM_TYPE", "http://jabber.org/protocol/muc#register"),
                       ("muc#register_roomnick", nick)):
        field = form.makeelement("{%s}field" % NS_DATA, {"var": var})
        val = field.makeelement("{%s}value" % NS_DATA, {})
        val.text = value
        field.append(val)
        form.append(field)
    query.append(form)
    iq.xml.append(query)
    await iq.send()


async def create(s):
    romeo = await s.client("romeo")
    juliet = await s.client("juliet")
    mercutio = await s.client("mercutio")
    tybalt = await s.client("tybalt")

    orchard = s.room("orchard")
    await romeo.join(orchard, "Romeo")
    await configure(romeo, orchard, ORCHARD_FORM)
    await romeo.muc.set_affiliation(orchard, "admin", jid="juliet@localhost",
                                    nick="Juliet")
    await romeo.muc.set_affiliation(orchard, "member",
                                    jid="mercutio@localhost")
    await romeo.muc.set_affiliation(orchard, "outcast",
                                    jid="tybalt@localhost", reason="Brawling")
    await romeo.muc.set_affiliation(orchard, "outcast", jid="spam.example")
    await register_nick(mercutio, orchard, "Mercutio")
    romeo.muc.set_subject(orchard, SUBJECT)
    await romeo.expect("the subject", lambda st: st.name == "message"
                       and st["subject"] == SUBJECT)

    market = s.room("market")
    await juliet.join(market, "Juliet")
    await configure(juliet, market, MARKET_FORM)

    ruins = s.room("ruins")
    await romeo.join(ruins, "Romeo")
    await configure(romeo, ruins, {"muc#roomconfig_persistentroom": True})
    await romeo.muc.destroy(ruins, reason="Falling down")

    await tybalt.create(s.room("tent"), "Tybalt")
    for other in (orchard, market):
        await romeo.plugin["xep_0030"].get_info(jid=other)
    with open(os.environ["ROOMS_READY"], "w", encoding="utf-8") as f:
        f.write("ready\n")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not tybalt._lost:  # pylint: disable=protected-access
        if loop.time() > deadline:
            raise mucclient.Failure("Prosody was not stopped within 30 s")
        await asyncio.sleep(0.1)


# ---- check --------------------------------------------------------------

def format_problems(doc):
    """Where doc is not a valid mucd-rooms/1 document."""
    out = []
    if not isinstance(doc, dict) or set(doc) != {"format", "rooms"}:
        return ["the document is not an object with format and rooms: %r"
                % (doc if not isinstance(doc, dict) else sorted(doc))]
    if doc["format"] != "mucd-rooms/1":
        out.append("format is %r" % doc["format"])
    if not isinstance(doc["rooms"], list):
        return out + ["rooms is not an array"]
    for i, room in enumerate(doc["rooms"]):
        where = "rooms[%d]" % i
        if not isinstance(room, dict) or not isinstance(room.get("jid"), str):
            out.append("%s has no jid" % where)
            continue
        where = room["jid"]
        extra = set(room) - {"jid", "config", "subject", "affiliations"}
        if extra:
            out.append("%s has keys the format lacks: %s"
                       % (where, sorted(extra)))
        if "subject" in room and not isinstance(room["subject"], str):
            out.append("%s: subject is not a string" % where)
        for key, value in room.get("config", {}).items():
            want = OPTION_TYPES.get(key)
            if want is None:
                out.append("%s: unknown option %r" % (where, key))
            elif type(value) is not want:  # bool is an int in Python
                out.append("%s: %s is %r, not a %s" % (where, key, value,
                                                        want.__name__))
            elif key in ENUMS and value not in ENUMS[key]:
                out.append("%s: %s is %r" % (where, key, value))
            elif want is list and any(r not in ROLES for r in value):
                out.append("%s: %s has a role that is not one: %r"
                           % (where, key, value))
        for item in room.get("affiliations", []):
            if (not isinstance(item, dict)
                    or set(item) - {"jid", "affiliation", "nick", "reason"}
                    or not isinstance(item.get("jid"), str)
                    or item.get("affiliation") not in AFFILIATIONS
                    or not isinstance(item.get("nick", ""), str)
                    or not isinstance(item.get("reason", ""), str)):
                out.append("%s: bad affiliation %r" % (where, item))
    return out


def field_problems(where, got, want):
    """Key by key, where the dict got differs from want."""
    return ["%s: %s is %r, wanted %r"
            % (where, key, got.get(key, "(absent)"), want.get(key, "(absent)"))
            for key in sorted(set(got) | set(want))
            if got.get(key, "(absent)") != want.get(key, "(absent)")]


def room_problems(got, want):
    """Field by field, where got differs from want."""
    jid = want["jid"]
    out = field_problems(jid, {k: v for k, v in got.items()
                               if k not in ("config", "affiliations")},
                         {k: v for k, v in want.items()
                          if k not in ("config", "affiliations")})
    out += field_problems(jid + " option", got.get("config", {}),
                          want["config"])
    got_affs = [a.get("jid") for a in got.get("affiliations", [])]
    want_affs = [a["jid"] for a in want["affiliations"]]
    if got_affs != want_affs:
        out.append("%s: affiliations of %s, wanted %s (in that order)"
                   % (jid, got_affs, want_affs))
    for got_aff, want_aff in zip(got.get("affiliations", []),
                                 want["affiliations"]):
        if got_aff.get("jid") == want_aff["jid"]:
            out += field_problems("%s affiliation of %s"
                                  % (jid, want_aff["jid"]), got_aff, want_aff)
    return out


def warning_problems(lines):
    """The warnings that should be there and are not, and the others."""
    prefix = "mucctl: import prosody: "
    out = []
    left = [l for l in lines if l]
    for pattern in WARNINGS:
        hits = [l for l in left if re.fullmatch(re.escape(prefix) + pattern, l)]
        if not hits:
            out.append("no warning matching %r" % pattern)
        for hit in hits:
            left.remove(hit)
    out += ["unexpected warning: %r" % l for l in left]
    return out


def check(doc_path, warnings_path):
    with open(doc_path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except ValueError as exc:
            return ["the output is not one JSON document: %s" % exc]
    with open(warnings_path, encoding="utf-8") as f:
        problems = warning_problems(f.read().split("\n"))
    found = format_problems(doc)
    if found:
        return found + problems
    got = {room["jid"]: room for room in doc["rooms"]}
    if list(got) != sorted(got):
        problems.append("rooms not in JID order: %s" % list(got))
    for jid in sorted(set(got) | set(ROOMS)):
        if jid not in got:
            problems.append("%s is missing" % jid)
        elif jid not in ROOMS:
            problems.append("%s should not be there" % jid)
        else:
            problems += room_problems(got[jid], ROOMS[jid])
    return problems


if __name__ == "__main__":
    if sys.argv[1:2] == ["create"]:
        mucclient.run(create)
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 4:
        found = check(sys.argv[2], sys.argv[3])
        for problem in found:
            print("not ok - import: %s" % problem)
        if not found:
            print("ok - the imported rooms are the rooms Prosody had")
        sys.exit(1 if found else 0)
    else:
        sys.stderr.write("usage: prosody_rooms.py create | check DOC "
                         "WARNINGS\n")
        sys.exit(2)
