"""
multicast_module: mucd's Prosody module (packaging/prosody/
mod_mucd_multicast.lua) on its own, no mucd attached. The fixture loads it
on localhost with mucd_multicast_senders = { "sender.localhost" } and a
limit of 3 addresses, and two components connect: sender.localhost and
intruder.localhost (tests/t/slix_multicast_module.sh).

- localhost advertises XEP-0033 and its limit (XEP-0128);
- a multicast stanza from the listed component reaches every to, cc and
  bcc address, each copy from the sender, with the bcc addresses removed
  and to/cc marked delivered; a presence likewise;
- copies are routed as direct stanzas are: to a session that does not
  exist, and to a remote domain (no s2s here), the sender gets the same
  error, from the same address, as when it sends there itself; an
  address that is not a JID gets jid-malformed from it, and the others
  are served;
- nobody else may use it: a user and a component that is not listed get
  "forbidden", and nothing is delivered; more addresses than the limit
  get "not-acceptable", none to deliver to "bad-request", and again
  nothing is delivered.
"""

import os

import mucclient

NS_ADDRESS = "http://jabber.org/protocol/address"
NS_XDATA = "jabber:x:data"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
SENDER = "sender.localhost"


def addresses(*pairs):
    """An <addresses/> element; pairs of (type, jid)."""
    return "<addresses xmlns='%s'>%s</addresses>" % (NS_ADDRESS, "".join(
        "<address type='%s' jid='%s'/>" % p for p in pairs))


def address_block(stanza):
    """(type, jid, delivered) of each address a stanza carries, sorted."""
    block = stanza.xml.find("{%s}addresses" % NS_ADDRESS)
    if block is None:
        return []
    return sorted((a.get("type"), a.get("jid"), a.get("delivered"))
                  for a in block.findall("{%s}address" % NS_ADDRESS))


def condition(stanza):
    """An error stanza's condition, read from the XML: slixmpp parses the
    error of a component's stanza (jabber:component:accept) as unknown."""
    for err in stanza.xml:
        if err.tag.endswith("}error"):
            for c in err:
                if c.tag.startswith("{%s}" % NS_STANZAS) \
                        and not c.tag.endswith("}text"):
                    return c.tag.split("}", 1)[1]
    return None


def body_is(text):
    return lambda st: st.name == "message" and st["body"] == text


def error_from(jid):
    # The attribute as sent: slixmpp cannot parse a 'from' like "@bad".
    return lambda st: st.xml.get("type") == "error" \
        and st.xml.get("from") == jid


async def advertised(s, client):
    info = await client["xep_0030"].get_info(jid="localhost")
    q = info["disco_info"]
    s.check(NS_ADDRESS in q["features"],
            "localhost does not advertise %s: %s" % (NS_ADDRESS,
                                                     q["features"]))
    limits = {}
    for x in q.xml.findall("{%s}x" % NS_XDATA):
        fields = {f.get("var"): f.findtext("{%s}value" % NS_XDATA)
                  for f in x.findall("{%s}field" % NS_XDATA)}
        if fields.get("FORM_TYPE") == NS_ADDRESS:
            limits = fields
    s.check(limits.get("message") == "3" and limits.get("presence") == "3",
            "localhost advertises the limits %r, not 3 and 3" % limits)


async def delivered(s, sender, alice, bob, carol):
    sender.send_raw(
        "<message from='%s' to='localhost' type='chat' id='mc1'>"
        "<body>one for all</body>%s</message>"
        % (SENDER, addresses(("to", alice.boundjid.full),
                             ("cc", bob.boundjid.full),
                             ("bcc", carol.boundjid.full))))
    want = sorted([("to", alice.boundjid.full, "true"),
                   ("cc", bob.boundjid.full, "true")])
    for c in (alice, bob, carol):
        m = await c.expect("the multicast message", body_is("one for all"))
        s.check(m["from"] == SENDER and m["to"] == c.boundjid,
                "%s: copy from %s to %s" % (c.name, m["from"], m["to"]))
        s.check(address_block(m) == want,
                "%s: the copy's addresses are %r, not %r (bcc must go)"
                % (c.name, address_block(m), want))
    sender.send_raw(
        "<presence from='%s/desk' to='localhost'><status>in</status>%s"
        "</presence>" % (SENDER, addresses(("bcc", alice.boundjid.full),
                                           ("bcc", bob.boundjid.full))))
    for c in (alice, bob):
        p = await c.expect("the multicast presence",
                           lambda st: st.name == "presence"
                           and st["from"] == SENDER + "/desk")
        s.check(p["status"] == "in" and address_block(p) == []
                and p.xml.find("{%s}addresses" % NS_ADDRESS) is None,
                "%s: presence copy %s" % (c.name, mucclient.describe(p)))


async def bad_address(s, sender, alice):
    """An address that is not a JID gets jid-malformed from it, as a
    direct stanza would; the others are served."""
    sender.send_raw("<message from='%s' to='localhost' type='chat'>"
                    "<body>mostly good</body>%s</message>"
                    % (SENDER, addresses(("bcc", "@bad"),
                                         ("bcc", alice.boundjid.full))))
    await alice.expect("the copy for the good address",
                       body_is("mostly good"))
    err = await sender.expect("the error for the bad address",
                              error_from("@bad"))
    s.check(condition(err) == "jid-malformed",
            "the bad address got %s" % mucclient.describe(err))


async def routed_as_direct(s, sender):
    """An absent session, a remote domain: the error a direct stanza gets."""
    for to in ("nobody@localhost/gone", "someone@remote.example/x"):
        sender.send_raw("<message from='%s' to='%s' type='groupchat' "
                        "id='direct'><body>x</body></message>" % (SENDER, to))
        direct = await sender.expect("the error for a direct message to "
                                     + to, error_from(to))
        sender.send_raw("<message from='%s' to='localhost' type='groupchat' "
                        "id='multi'><body>x</body>%s</message>"
                        % (SENDER, addresses(("bcc", to),
                                             ("bcc", "nobody@localhost/x"))))
        multi = await sender.expect("the error for the multicast copy to "
                                    + to, error_from(to))
        s.check(condition(multi) == condition(direct) is not None
                and multi["id"] == "multi",
                "to %s: direct %s, multicast %s" % (
                    to, mucclient.describe(direct), mucclient.describe(multi)))
        await sender.expect("the error for the copy to nobody@localhost/x",
                            error_from("nobody@localhost/x"))


async def refused(s, sender, intruder, alice, bob):
    bcc = addresses(("bcc", alice.boundjid.full), ("bcc", bob.boundjid.full))
    cases = [
        (intruder, "intruder.localhost", bcc, "forbidden"),
        (alice, None, bcc, "forbidden"),
        (sender, SENDER, addresses(*[("bcc", "u%d@localhost/r" % i)
                                     for i in range(4)]), "not-acceptable"),
        (sender, SENDER, addresses(("replyto", alice.boundjid.full)),
         "bad-request"),
    ]
    for who, frm, block, cond in cases:
        attr = "" if frm is None else " from='%s'" % frm
        who.send_raw("<message%s to='localhost' type='chat' id='spam'>"
                     "<body>spam</body>%s</message>" % (attr, block))
        err = await who.expect("the refusal (%s)" % cond,
                               error_from("localhost"))
        s.check(condition(err) == cond and err["id"] == "spam",
                "%s: refused with %s, not %s" % (who.name, condition(err),
                                                 cond))
    # Nothing was delivered: the next message each one gets is a marker.
    for c in (alice, bob):
        sender.send_raw("<message from='%s' to='%s' type='chat'>"
                        "<body>marker</body></message>"
                        % (SENDER, c.boundjid.full))
        m = await c.expect("a message", lambda st: st.name == "message"
                           and st["body"] in ("spam", "marker"))
        s.check(m["body"] == "marker",
                "%s received a refused multicast stanza" % c.name)


async def test(s):
    port = int(os.environ["COMPONENT_PORT"])
    secret = os.environ["MULTICAST_TEST_SECRET"]
    sender = await s.component(SENDER, secret, port)
    intruder = await s.component("intruder.localhost", secret, port)
    alice = await s.client("alice")
    bob = await s.client("bob")
    carol = await s.client("carol")
    await advertised(s, alice)
    await delivered(s, sender, alice, bob, carol)
    await bad_address(s, sender, alice)
    await routed_as_direct(s, sender)
    await refused(s, sender, intruder, alice, bob)


if __name__ == "__main__":
    mucclient.run(test)
