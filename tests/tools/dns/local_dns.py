"""A tiny UDP DNS responder on 127.0.0.1 for tests, answering from a lookup function."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Literal

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Lookup = Callable[[str, str], "list[str] | None"]  # None: NXDOMAIN, []: no such type
Mode = Literal["answer", "drop", "servfail", "refused"]


def _text(rtype: str, value: str) -> str:
    if rtype == "TXT":
        # Long values go out as several character-strings, as real servers do.
        chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
        return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
    return value


class LocalDns:
    """Answers A/AAAA/TXT/... queries over UDP from `lookup`; `overrides` win (stale views)."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.overrides: dict[tuple[str, str], list[str]] = {}
        self.mode: Mode = "answer"
        self.queries: list[tuple[str, str]] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="local-dns", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """`127.0.0.1:port`, as the resolver helpers take it."""
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop answering and free the port."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self._answer(wire)
            if reply is not None:
                self._sock.sendto(reply, peer)

    def _answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        rtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rtype))
        if self.mode == "drop":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.mode in {"servfail", "refused"}:
            response.set_rcode(dns.rcode.SERVFAIL if self.mode == "servfail" else dns.rcode.REFUSED)
            return response.to_wire()
        values = self.overrides.get((name, rtype))
        if values is None:
            values = self.lookup(name, rtype)
        if values is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif values:
            texts = [_text(rtype, v) for v in values]
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, rtype, texts)
            )
        return response.to_wire()
