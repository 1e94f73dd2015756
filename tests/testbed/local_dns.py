"""A tiny UDP nameserver on 127.0.0.1 answering from a dict, for tests and benchmarks."""

from __future__ import annotations

import asyncio
from typing import cast

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: LocalDns) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # 3.11's selector datagram transport does not subclass DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            query = dns.message.from_wire(data)
        except Exception:
            return  # not DNS: a real server would drop it too
        self.server.queries += 1
        reply = self.server.answer(query)
        if reply is None or self.transport is None:
            return
        self.transport.sendto(reply.to_wire(), addr)


class LocalDns:
    """Answers `records[(name, type)]`; names not listed get NXDOMAIN, `silent` ones nothing."""

    def __init__(
        self,
        records: dict[tuple[str, str], list[str]] | None = None,
        silent: set[str] | None = None,
    ) -> None:
        self.records = {
            (n.lower().rstrip("."), t.upper()): v for (n, t), v in (records or {}).items()
        }
        self.silent = {n.lower().rstrip(".") for n in silent or set()}
        self.queries = 0
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None

    @property
    def address(self) -> str:
        """The server as ip:port."""
        return f"127.0.0.1:{self.port}"

    def set(self, name: str, rdtype: str, values: list[str]) -> None:
        """Add or replace the records of one name and type."""
        self.records[(name.lower().rstrip("."), rdtype.upper())] = values

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        """The reply to one query, or None to stay silent."""
        question = query.question[0]
        name = question.name.to_text().lower().rstrip(".")
        if name in self.silent:
            return None
        reply = dns.message.make_response(query)
        rdtype = dns.rdatatype.to_text(question.rdtype)
        values = self.records.get((name, rdtype))
        if values is None and not any(n == name for n, _ in self.records):
            reply.set_rcode(dns.rcode.NXDOMAIN)
            return reply
        if values:
            texts = [f'"{v}"' if rdtype == "TXT" else v for v in values]
            reply.answer.append(
                dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, rdtype, texts)
            )
        return reply

    async def start(self) -> LocalDns:
        """Listen on a free UDP port of 127.0.0.1 in the running loop."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=("127.0.0.1", 0)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self

    def close(self) -> None:
        """Stop listening."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
