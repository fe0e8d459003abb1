"""The HTTP connection itself: uvicorn's, with a deadline for a request's headers.

uvicorn times out a connection only between requests (keep-alive); a client that opens one and
sends its headers a byte at a time, or never, holds it forever, and a few hundred such clients
hold the server. Here each request's headers must arrive whole within a deadline, counted from
the connection (the first request) or from the request's first byte, or the connection is
closed. The body's pace
is the ASGI app's to police (nst.service.http.UploadGuard).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def deadline_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol closing a connection whose headers take over ``seconds``."""

    class HeaderDeadline(HttpToolsProtocol):
        timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._start()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self.timer is None:  # a request after the first on this connection
                self._start()

        def on_headers_complete(self) -> None:
            self._stop()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop()
            super().connection_lost(exc)

        def _start(self) -> None:
            self._stop()
            self.timer = self.loop.call_later(seconds, self.transport.close)

        def _stop(self) -> None:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None

    return HeaderDeadline
