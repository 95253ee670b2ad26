"""
mucclient: tests that drive mucd, or Prosody's own MUC, through Prosody with
a real client library, Debian's python3-slixmpp (1.8). README.md in this
directory explains how to write and run one.

A test is a coroutine taking a Session; a test file ends with

    if __name__ == "__main__":
        mucclient.run(test)

run() reads the fixture from the environment (C2S_PORT, MUC_MODE), runs the
test on a fresh event loop under a hard timeout, disconnects every client
and exits 0 (pass), 1 (fail: one line saying why, on stderr) or 2 (the
environment is not usable). It prints nothing else unless SLIX_VERBOSE=1,
which traces slixmpp (every stanza) on stderr.

Must run under /usr/bin/python3: the python3 on PATH may lack slixmpp.
"""

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import traceback

try:
    import slixmpp
    from slixmpp.exceptions import IqError, IqTimeout
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath
except ImportError as exc:
    sys.stderr.write("mucclient: cannot import slixmpp (%s): install "
                     "python3-slixmpp and run the test with /usr/bin/python3\n"
                     % exc)
    sys.exit(2)

MUC_DOMAIN = "conference.localhost"
USER_DOMAIN = "localhost"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_SID = "urn:xmpp:sid:0"


class Failure(Exception):
    """The test's verdict: what was expected and what happened instead."""


def env_number(name, default):
    """A positive number from the environment, default when unset."""
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise Failure("%s=%r is not a positive number" % (name, raw))
    return value


def mucd_status():
    """mucd's `mucctl --json status` (the daemon of MUCD_CONF), parsed."""
    mucctl = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                          "..", "mucctl", "mucctl")
    out = subprocess.run([mucctl, "--json", "-c", os.environ["MUCD_CONF"],
                          "status"], capture_output=True, text=True,
                         timeout=10, check=False)
    if out.returncode != 0:
        raise Failure("mucctl status: %s" % out.stderr.strip())
    return json.loads(out.stdout)


def error_of(stanza):
    """An error stanza's (type, condition, text, by); None if not an error."""
    if stanza["type"] != "error":
        return None
    err = stanza["error"]
    return (err["type"], err["condition"], err["text"], err["by"])


def status_codes(presence):
    """The XEP-0045 status codes a presence carries, as a set of ints."""
    x = presence.xml.find("{%s}x" % NS_MUC_USER)
    if x is None:
        return set()
    return {int(s.get("code", "0")) for s in x.findall("{%s}status" % NS_MUC_USER)
            if s.get("code", "").isdigit()}


def stanza_id(msg, by):
    """The id of the XEP-0359 stanza-id that entity by (a room) put on msg,
    or None."""
    for el in msg.xml.findall("{%s}stanza-id" % NS_SID):
        if el.get("by") == by:
            return el.get("id")
    return None


def describe(stanza):
    """One line for a failure report."""
    text = str(stanza)
    return text if len(text) <= 600 else text[:600] + "..."


class Inbox:
    """What clients and components share: every presence and message
    received is kept until a wait consumes it, and the fixture's loopback
    address is used without DNS."""

    def _inbox_init(self, session):
        self.session = session
        self.response_timeout = session.timeout
        self._inbox = []
        self._arrived = asyncio.Event()
        self._lost = False
        for kind in ("presence", "message"):
            self.register_handler(Callback(
                "mucclient %s" % kind,
                MatchXPath("{%s}%s" % (self.default_ns, kind)),
                self._collect))
        self.add_event_handler("disconnected", self._disconnected)

    async def get_dns_records(self, domain, port=None):
        # The fixture listens on loopback: no DNS, no SRV, no IPv6 guess.
        return [("127.0.0.1", "127.0.0.1", self._port())]

    def _port(self):
        return self.session.port

    def _collect(self, stanza):
        self._inbox.append(stanza)
        self._arrived.set()

    def _disconnected(self, reason):
        self._lost = True
        self._arrived.set()

    async def _start(self, failure):
        """Connect; wait for the session (or failure) events."""
        outcome = asyncio.get_running_loop().create_future()

        def settle(what):
            def handler(_event):
                if not outcome.done():
                    outcome.set_result(what)
            return handler

        self.add_event_handler("session_start", settle(None), disposable=True)
        self.add_event_handler(failure, settle("authentication failed"),
                               disposable=True)
        self.add_event_handler("connection_failed",
                               settle("cannot connect to 127.0.0.1:%d"
                                      % self._port()), disposable=True)
        self._connect()
        try:
            why = await asyncio.wait_for(outcome, self.session.timeout)
        except asyncio.TimeoutError:
            why = "no session within %g s" % self.session.timeout
        if why is not None:
            self.cancel_connection_attempt()
            raise Failure("%s: %s" % (self.boundjid or self.name, why))
        self._lost = False

    async def expect(self, what, match, timeout=None):
        """The first stanza received (earliest first, including any that
        came before the call) for which match(stanza) is true; it is
        consumed. Fails, listing what did arrive, after timeout seconds
        (default: the session's) or if the connection is lost."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout or self.session.timeout)
        seen = 0
        while True:
            for i, stanza in enumerate(self._inbox):
                if match(stanza):
                    del self._inbox[i]
                    return stanza
            seen = len(self._inbox)
            if self._lost:
                raise Failure("%s: connection lost while waiting for %s"
                              % (self.name, what))
            left = deadline - loop.time()
            if left <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass
        got = "; ".join(describe(s) for s in self._inbox[-5:]) or "nothing"
        raise Failure("%s: no %s within %g s (received %d other stanza(s)%s)"
                      % (self.name, what, timeout or self.session.timeout,
                         seen, ": " + got if seen else ""))


class Client(Inbox, slixmpp.ClientXMPP):
    """One user's connection: SASL PLAIN over plain TCP to the fixture's c2s
    port (it accepts any password and offers no TLS)."""

    def __init__(self, session, user, resource):
        super().__init__("%s@%s/%s" % (user, USER_DOMAIN, resource),
                         "password",
                         plugin_config={"feature_mechanisms":
                                        {"unencrypted_plain": True}})
        self.name = user
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0045")
        self._inbox_init(session)

    @property
    def muc(self):
        """The xep_0045 plugin (get_room_config, set_affiliation...)."""
        return self.plugin["xep_0045"]

    def _connect(self):
        self.connect(("127.0.0.1", self.session.port), use_ssl=False,
                     force_starttls=False, disable_starttls=True)

    async def login(self):
        """Connect and authenticate; no initial presence is sent."""
        await self._start("failed_all_auth")


    def _join_presence(self, room, nick, password):
        pres = self.make_presence(pto="%s/%s" % (room, nick))
        x = pres.xml.makeelement("{%s}x" % NS_MUC, {})
        if password is not None:
            pw = x.makeelement("{%s}password" % NS_MUC, {})
            pw.text = password
            x.append(pw)
        pres.xml.append(x)
        return pres

    def _own_presence(self, room):
        def match(stanza):
            if stanza.name != "presence" or stanza["from"].bare != room:
                return False
            return stanza["type"] == "error" or 110 in status_codes(stanza)
        return match

    async def join(self, room, nick, password=None):
        """Enter room as nick; returns our own presence (status 110).
        Fails if the room answers with an error."""
        self._join_presence(room, nick, password).send()
        pres = await self.expect("own presence from %s" % room,
                                 self._own_presence(room))
        err = error_of(pres)
        if err is not None:
            raise Failure("%s: joining %s as %r: error %s/%s (%s) from %s"
                          % (self.name, room, nick, err[0], err[1],
                             err[2] or "no text", pres["from"]))
        return pres

    async def create(self, room, nick):
        """Create room and accept its default configuration (an instant
        room, XEP-0045 10.1.2), so others can enter; returns our own
        presence. Fails if the room already existed."""
        pres = await self.join(room, nick)
        if 201 not in status_codes(pres):
            raise Failure("%s: %s already exists (no status 201)"
                          % (self.name, room))
        form = self.plugin["xep_0004"].make_form(ftype="submit")
        await self.muc.set_room_config(room, form)
        return pres

    async def join_error(self, room, nick, password=None):
        """Try to enter room as nick; returns the error presence. Fails if
        the join succeeds."""
        self._join_presence(room, nick, password).send()
        pres = await self.expect("answer from %s" % room,
                                 self._own_presence(room))
        if error_of(pres) is None:
            raise Failure("%s: joined %s as %r; an error was expected"
                          % (self.name, room, nick))
        return pres

    async def leave(self, room, nick):
        """Leave room and wait for our own unavailable presence."""
        self.make_presence(pto="%s/%s" % (room, nick),
                           ptype="unavailable").send()
        await self.expect("own unavailable presence from %s" % room,
                          lambda s: s.name == "presence"
                          and s["type"] == "unavailable"
                          and s["from"].bare == room
                          and 110 in status_codes(s))


class Component(Inbox, slixmpp.ComponentXMPP):
    """An external component (XEP-0114) of the fixture's Prosody, on its
    component port: a test's stand-in for another service."""

    def __init__(self, session, domain, secret, port):
        super().__init__(domain, secret, "127.0.0.1", port)
        self.name = domain
        self.component_port = port
        self._inbox_init(session)

    def _port(self):
        return self.component_port

    def _connect(self):
        self.connect()

    async def login(self):
        """Connect and complete the handshake."""
        await self._start("stream_error")

class Session:
    """What a test gets: the mode, the timeout, clients and room names."""

    def __init__(self, port, mode, timeout):
        self.port = port
        self.mode = mode            # "mucd", "reference" or "component"
        self.timeout = timeout      # seconds any one wait may take
        self.clients = []

    async def client(self, user, resource="slix"):
        """A new client logged in as user@localhost/resource."""
        c = Client(self, user, resource)
        self.clients.append(c)
        await c.login()
        return c

    async def component(self, domain, secret, port):
        """A new component domain, connected with secret to port."""
        c = Component(self, domain, secret, port)
        self.clients.append(c)
        await c.login()
        return c

    @staticmethod
    def room(name):
        """The JID of room name on the MUC service."""
        return "%s@%s" % (name, MUC_DOMAIN)

    @staticmethod
    def check(condition, message):
        """Fail with message unless condition holds."""
        if not condition:
            raise Failure(message)

    async def close(self):
        """Close every stream; never waits longer than the timeout."""
        ends = [c.disconnect(wait=min(self.timeout, 2.0))
                for c in self.clients if c.transport is not None]
        if ends:
            await asyncio.wait(ends, timeout=self.timeout)
        for c in self.clients:
            c.cancel_connection_attempt()
            if c.transport is not None:
                c.abort()


def _verdict(exc):
    """One line for an exception that ended a test."""
    if isinstance(exc, Failure):
        return str(exc)
    if isinstance(exc, IqError):
        iq = exc.iq
        return ("unexpected IQ error %s/%s (%s) from %s"
                % (iq["error"]["type"], iq["error"]["condition"],
                   iq["error"]["text"] or "no text", iq["from"]))
    if isinstance(exc, IqTimeout):
        return "no answer to an IQ to %s" % exc.iq["to"]
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    tb = traceback.extract_tb(exc.__traceback__)
    where = "%s:%d" % (os.path.basename(tb[-1].filename), tb[-1].lineno) \
        if tb else "?"
    return "%s at %s: %s" % (type(exc).__name__, where, exc)


async def _main(test, session, hard):
    try:
        await asyncio.wait_for(test(session), hard)
    except asyncio.TimeoutError as exc:
        raise Failure("the test did not finish within %g s (SLIX_HARD_TIMEOUT)"
                      % hard) from exc
    finally:
        await session.close()


def run(test):
    """Run test(session) and exit with its verdict (see the module doc)."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    try:
        port = int(os.environ.get("C2S_PORT", ""))
        mode = os.environ.get("MUC_MODE", "mucd")
        if mode not in ("mucd", "reference", "component"):
            raise Failure("MUC_MODE=%r is not mucd, reference or component"
                          % mode)
        timeout = env_number("SLIX_TIMEOUT", 5)
        hard = env_number("SLIX_HARD_TIMEOUT", 60)
    except (ValueError, Failure) as exc:
        sys.stderr.write("%s: needs C2S_PORT (the fixture's c2s port); %s\n"
                         % (name, exc if isinstance(exc, Failure)
                            else "it is missing or not a number"))
        sys.exit(2)
    verbose = os.environ.get("SLIX_VERBOSE", "") == "1"
    logging.basicConfig(stream=sys.stderr,
                        level=logging.DEBUG if verbose else logging.CRITICAL,
                        format="%(relativeCreated)9.0f %(name)s %(message)s")

    # Last resort if the loop itself is stuck (a blocking call): the
    # asyncio deadline cannot fire then, the alarm can.
    def stuck(_signum, _frame):
        sys.stderr.write("%s [%s]: FAIL: stuck for %g s; aborted\n"
                         % (name, mode, hard + 2 * timeout))
        os._exit(1)
    signal.signal(signal.SIGALRM, stuck)
    signal.alarm(int(hard + 2 * timeout) + 1)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    session = Session(port, mode, timeout)
    rc = 0
    try:
        loop.run_until_complete(_main(test, session, hard))
    except Exception as exc:  # every way a test can end badly
        sys.stderr.write("%s [%s]: FAIL: %s\n" % (name, mode, _verdict(exc)))
        if verbose:
            traceback.print_exc()
        rc = 1
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
        loop.close()
        signal.alarm(0)
    sys.exit(rc)
