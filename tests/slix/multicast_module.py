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
- mucd's compact form (urn:x-mucd:bcc:0, advertised too): a JID a line
  in one <bcc/>, every copy without it; a line that is not a JID is
  answered as an <address/> would be, and the limit and the refusals
  below hold for it as for XEP-0033;
- a burst of multicast stanzas in one read (the module reads its
  senders 1 MiB at a time) reaches each client whole and in order;
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
NS_BCC = "urn:x-mucd:bcc:0"
NS_XDATA = "jabber:x:data"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
SENDER = "sender.localhost"


def addresses(*pairs):
    """An <addresses/> element; pairs of (type, jid)."""
    return "<addresses xmlns='%s'>%s</addresses>" % (NS_ADDRESS, "".join(
        "<address type='%s' jid='%s'/>" % p for p in pairs))


def bcc(*jids):
    """mucd's compact form: a JID a line."""
    return "<bcc xmlns='%s'>%s</bcc>" % (NS_BCC, "".join(j + "\n"
                                                         for j in jids))


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
    for ns in (NS_ADDRESS, NS_BCC):
        s.check(ns in q["features"],
                "localhost does not advertise %s: %s" % (ns, q["features"]))
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


async def compact(s, sender, alice, bob, carol):
    """The compact form: every line a bcc recipient, the element gone
    from every copy; a line that is not a JID answered from it."""
    sender.send_raw("<message from='%s' to='localhost' type='groupchat' "
                    "id='c1'><body>compact</body>%s</message>"
                    % (SENDER, bcc(alice.boundjid.full, bob.boundjid.full,
                                   carol.boundjid.full)))
    for c in (alice, bob, carol):
        m = await c.expect("the compact multicast message",
                           body_is("compact"))
        s.check(m["from"] == SENDER and m["to"] == c.boundjid
                and m.xml.find("{%s}bcc" % NS_BCC) is None
                and m.xml.find("{%s}addresses" % NS_ADDRESS) is None,
                "%s: compact copy %s" % (c.name, m))
    sender.send_raw("<presence from='%s/desk' to='localhost'>"
                    "<status>compact</status>%s</presence>"
                    % (SENDER, bcc(alice.boundjid.full)))
    p = await alice.expect("the compact multicast presence",
                           lambda st: st.name == "presence"
                           and st["status"] == "compact")
    s.check(p.xml.find("{%s}bcc" % NS_BCC) is None,
            "the presence copy kept the recipients: %s" % p)
    sender.send_raw("<message from='%s' to='localhost' type='chat'>"
                    "<body>mostly compact</body>%s</message>"
                    % (SENDER, bcc("@bad", bob.boundjid.full)))
    await bob.expect("the copy for the good line", body_is("mostly compact"))
    err = await sender.expect("the error for the bad line",
                              error_from("@bad"))
    s.check(condition(err) == "jid-malformed",
            "the bad line got %s" % mucclient.describe(err))


async def burst(s, sender, alice, bob):
    """Many multicast stanzas in one read, as mucd sends them under load:
    none may be lost or reordered."""
    n = 300
    sender.send_raw("".join(
        "<message from='%s' to='localhost' type='groupchat' id='b%d'>"
        "<body>burst %d</body>%s</message>"
        % (SENDER, i, i, bcc(alice.boundjid.full, bob.boundjid.full)
           if i % 2 else addresses(("bcc", alice.boundjid.full),
                                   ("bcc", bob.boundjid.full)))
        for i in range(n)))
    for c in (alice, bob):
        for i in range(n):
            m = await c.expect("burst message %d" % i,
                               lambda st: st.name == "message"
                               and (st["body"] or "").startswith("burst "))
            s.check(m["body"] == "burst %d" % i,
                    "%s: got %r where 'burst %d' was due"
                    % (c.name, m["body"], i))


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
    bcc_block = addresses(("bcc", alice.boundjid.full),
                          ("bcc", bob.boundjid.full))
    two = (alice.boundjid.full, bob.boundjid.full)
    cases = [
        (intruder, "intruder.localhost", bcc_block, "forbidden"),
        (alice, None, bcc_block, "forbidden"),
        (intruder, "intruder.localhost", bcc(*two), "forbidden"),
        (alice, None, bcc(*two), "forbidden"),
        (sender, SENDER, addresses(*[("bcc", "u%d@localhost/r" % i)
                                     for i in range(4)]), "not-acceptable"),
        (sender, SENDER, bcc(*["u%d@localhost/r" % i for i in range(4)]),
         "not-acceptable"),
        (sender, SENDER, addresses(("bcc", two[0])) + bcc(*two + two),
         "not-acceptable"),
        (sender, SENDER, addresses(("replyto", alice.boundjid.full)),
         "bad-request"),
        (sender, SENDER, bcc(), "bad-request"),
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
    await compact(s, sender, alice, bob, carol)
    await burst(s, sender, alice, bob)
    await bad_address(s, sender, alice)
    await routed_as_direct(s, sender)
    await refused(s, sender, intruder, alice, bob)


if __name__ == "__main__":
    mucclient.run(test)
