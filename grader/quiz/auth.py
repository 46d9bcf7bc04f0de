"""Who is at the other end of a quiz-service connection, from a source the learner cannot change.

The service asks one object, an *authenticator*, for each request's user:
``authenticator.user(conn, request) -> str`` (or :class:`IdentityError`). On one machine that is
:class:`PeerCredentials`: the kernel reports the uid of the process that connected to the Unix
socket (``SO_PEERCRED``), and the OS user name of that uid is the learner. Nothing the learner
types, no environment variable (``JUPYTERHUB_USER``) and no ``course login`` name enters it.
A hub deployment plugs in another authenticator with the same method, which reads the user's hub
API token from the request and asks the hub whom it belongs to.
"""
from __future__ import annotations

import pwd
import socket
import struct

_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


class IdentityError(RuntimeError):
    """The connecting user cannot be identified."""


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process that connected ``conn`` (a Unix stream socket), from the kernel."""
    _, uid, _ = _UCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
    return uid


class PeerCredentials:
    """The OS account of the connecting process (Linux ``SO_PEERCRED``)."""

    def user(self, conn: socket.socket, request: dict) -> str:
        try:
            uid = peer_uid(conn)
        except OSError as exc:
            raise IdentityError(f"cannot tell who connected: {exc}") from exc
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            raise IdentityError(f"your account (uid {uid}) has no user name on this machine") from None
