"""A real HTTP server on 127.0.0.1 (port 0) with routes that misbehave, for the fetch and crawl tests.

Every request is logged with its arrival time and headers, and the server tracks how many
requests it served at once, so politeness is asserted from what the server saw.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

Handler = Callable[["RouteRequest"], "Reply | None"]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False        # close the connection without answering
    truncate: bool = False    # announce the full length, send half, close


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]
    time: float


class RouteRequest:
    def __init__(self, path: str, headers: dict[str, str], count: int) -> None:
        self.path = path
        self.headers = headers
        self.count = count  # how many times this path was requested, this one included


class LocalServer:
    """``with LocalServer() as server: server.route("/x", handler)`` — handlers return a Reply."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.seen: list[Seen] = []
        self.counts: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner._serve(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler | Reply) -> None:
        self.routes[path] = handler if callable(handler) else (lambda request, reply=handler: reply)

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.seen.append(Seen(path, headers, time.monotonic()))
            self.counts[path] = self.counts.get(path, 0) + 1
            count = self.counts[path]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            handler = self.routes.get(path) or self.routes.get(urlsplit(path).path)
            reply = handler(RouteRequest(path, headers, count)) if handler else None
            if reply is None:
                reply = Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>",
                              {"Content-Type": "text/html; charset=utf-8"})
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            h.send_response(reply.status)
            for key, value in reply.headers.items():
                h.send_header(key, value)
            h.send_header("Content-Length", str(len(reply.body)))
            if reply.truncate:
                h.send_header("Connection", "close")
            h.end_headers()
            if reply.truncate:
                h.wfile.write(reply.body[: len(reply.body) // 2])
                h.wfile.flush()
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            h.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True
        finally:
            with self._lock:
                self.in_flight -= 1


def html_reply(body: str, charset: str = "utf-8", header_charset: str | None = None, status: int = 200) -> Reply:
    return Reply(status, body.encode(charset), {"Content-Type": f"text/html; charset={header_charset or charset}"})


def news_site(server: LocalServer, n: int, *, delay: float = 0.0) -> None:
    """``/list``, a listing page linking ``n`` articles ``/berita/{i}``, each answered after ``delay`` seconds."""
    links = "".join(f'<a href="/berita/{i}">Berita {i}</a>' for i in range(n))
    server.route("/list", html_reply(f"<html><body>{links}</body></html>"))
    for i in range(n):
        paragraphs = [f"Petugas KPU mendistribusikan logistik nomor {i} ke TPS {j} di Kalimantan Timur. " * 4
                      for j in range(3)]
        server.route(f"/berita/{i}", Reply(200, article_html(f"Logistik {i} Tiba di TPS", paragraphs).encode(),
                                           {"Content-Type": "text/html; charset=utf-8"}, delay=delay))


def gzip_bomb(size: int) -> bytes:
    """``size`` bytes of zeros, gzipped (a few KB on the wire)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


def article_html(title: str, paragraphs: list[str], *, published: str = "2024-11-20T10:00:00+08:00",
                 author: str = "Tim Redaksi", extra_head: str = "", charset: str = "utf-8") -> str:
    """A plain but realistic article page with JSON-LD, OpenGraph and a site header date."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="{charset}"><title>{title} - Berita Uji</title>
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}"><meta name="author" content="{author}">
{extra_head}</head><body><header><nav><a href="/">Beranda</a> <a href="/kanal/politik">Politik</a></nav>
<div class="date-now">Sabtu, 28 November 2026</div></header>
<main><article><h1>{title}</h1><div class="byline">Oleh {author}</div>{body}</article></main>
<footer><p>Hak cipta Berita Uji</p></footer></body></html>"""


@contextmanager
def web_ui(db: Path) -> Iterator[str]:
    """``monitor serve`` on a free loopback port for ``db``; yields its base URL."""
    from monitor.web.app import make_web_server, serve_in_thread

    server = make_web_server(db, port=0)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
