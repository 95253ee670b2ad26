#!/usr/bin/python3
"""badserver: the XMPP server's side of a component link that refuses the
component with a stream error whose text a metrics label must escape.

    badserver.py PORT SECONDS

Listens on 127.0.0.1:PORT; every connection gets a stream header, then,
after the handshake, <stream:error><conflict/><text>TEXT</text> and the
end of the stream. TEXT holds a double quote, a backslash and a line
feed (as &#10;), the three characters both text formats escape. Serves
until killed, or for SECONDS at most, so that a test that fails leaves
nothing behind for long.
"""
import socket
import sys
import time

HEADER = (b"<?xml version='1.0'?><stream:stream "
          b"xmlns:stream='http://etherx.jabber.org/streams' "
          b"xmlns='jabber:component:accept' id='metrics-test' "
          b"from='conference.localhost'>")
ERROR = (b"<stream:error><conflict "
         b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
         b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'>say \"hi\" to "
         b"C:\\mucd&#10;now</text></stream:error></stream:stream>")


def read_until(conn, got, marker):
    """What conn sent so far, up to marker; None if it hung up first."""
    while marker not in got:
        more = conn.recv(4096)
        if not more:
            return None
        got += more
    return got


def serve(conn):
    conn.settimeout(5)
    got = read_until(conn, b"", b"<stream:stream")
    if got is None:
        return
    conn.sendall(HEADER)
    if read_until(conn, got, b"</handshake>") is not None:
        conn.sendall(ERROR)


def main():
    deadline = time.monotonic() + float(sys.argv[2])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(4)
    while time.monotonic() < deadline:
        srv.settimeout(deadline - time.monotonic())
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            break
        try:
            serve(conn)
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    main()
