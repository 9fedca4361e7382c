"""A small WSGI app over the store. Article content is untrusted: Jinja2 escapes everything, matches are
marked after escaping, and the pages carry no scripts (a Content-Security-Policy forbids them)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..errors import MonitorError
from ..search import parse_query, results_csv
from ..store import Store

PAGE_SIZE = 20
EXPORT_LIMIT = 5000
MARK = ("\x02", "\x03")  # match markers that cannot occur in article text
HEADERS = [("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"),
           ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _marked(text: str) -> Markup:
    return Markup(str(escape(text)).replace(MARK[0], "<mark>").replace(MARK[1], "</mark>"))


class WebApp:
    """``WebApp(db_path)`` is a WSGI application; each request opens its own connection."""

    def __init__(self, db_path: str | Path, *, zone: str = "Asia/Makassar") -> None:
        self.db_path = str(db_path)
        self.zone = zone
        self.env = Environment(loader=PackageLoader("monitor.web", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.filters["marked"] = _marked

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=False)
        try:
            if path == "/":
                return self._respond(start_response, "200 OK", self._search_page(params))
            if path.startswith("/article/") and path[len("/article/"):].isdigit():
                page = self._article_page(int(path[len("/article/"):]))
                if page is None:
                    return self._respond(start_response, "404 Not Found", self._render("error.html",
                                         message="No article with that number."))
                return self._respond(start_response, "200 OK", page)
            if path in ("/export.csv", "/export.json"):
                return self._export(start_response, params, path.endswith(".json"))
        except MonitorError as e:
            return self._respond(start_response, "400 Bad Request", self._render("error.html", message=str(e)))
        return self._respond(start_response, "404 Not Found", self._render("error.html", message="No such page."))

    def _respond(self, start_response: StartResponse, status: str, body: str,
                 content_type: str = "text/html; charset=utf-8") -> list[bytes]:
        data = body.encode("utf-8")
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *HEADERS])
        return [data]

    def _render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def _store(self) -> Store:
        if not Path(self.db_path).exists():
            raise MonitorError(f"{self.db_path}: no such database")
        return Store(self.db_path, display_zone=self.zone)

    def _criteria(self, params: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
        text = (params.get("q") or [""])[0].strip()
        zone = ZoneInfo(self.zone)

        def day(key: str, end: bool = False) -> datetime | None:
            value = (params.get(key) or [""])[0]
            if not value:
                return None
            try:
                parsed = datetime.strptime(value, "%Y-%m-%d").date() + timedelta(days=1 if end else 0)
            except ValueError:
                raise MonitorError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from None
            return datetime.combine(parsed, time(0), tzinfo=zone)

        return text, {"tags": params.get("tag") or None, "sources": params.get("source") or None,
                      "regions": params.get("region") or None, "since": day("since"),
                      "until": day("until", end=True)}

    def _search_page(self, params: dict[str, list[str]]) -> str:
        text, criteria = self._criteria(params)
        page = max(1, int((params.get("page") or ["1"])[0]) if (params.get("page") or ["1"])[0].isdigit() else 1)
        error = None
        results: list[dict[str, Any]] = []
        facets: dict[str, Any] = {"total": 0, "capped": False, "tag": [], "source": [], "region": [], "day": []}
        store = self._store()
        query = None
        try:
            query = parse_query(text) if text else None
            results = store.search(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, mark=MARK, **criteria)
            facets = store.facets(query, **criteria)
        except MonitorError as e:
            error = str(e)
        finally:
            store.close()
        flat = [(k, v) for k, values in params.items() if k != "page" for v in values]

        def link(**change: Any) -> str:
            kept = [(k, v) for k, v in flat if k not in change]
            for key, value in change.items():
                if value is not None:
                    kept.append((key, value))
            return "/?" + urlencode(kept)

        def toggle(key: str, value: str) -> str:
            chosen = [(k, v) for k, v in flat if not (k == key and v == value)]
            if len(chosen) == len(flat):
                chosen.append((key, value))
            return "/?" + urlencode(chosen)

        selected = {(k, v) for k, v in flat}
        return self._render("search.html", q=text, results=results, facets=facets, error=error, page=page,
                            pages=max(1, -(-facets["total"] // PAGE_SIZE)), link=link, toggle=toggle,
                            selected=selected, query_string=urlencode(flat), params=params,
                            ignored=query.ignored if query else [])

    def _article_page(self, article_id: int) -> str | None:
        store = self._store()
        try:
            article = store.article(article_id)
        finally:
            store.close()
        if article is None:
            return None
        return self._render("article.html", a=article)

    def _export(self, start_response: StartResponse, params: dict[str, list[str]], as_json: bool) -> list[bytes]:
        text, criteria = self._criteria(params)
        store = self._store()
        try:
            rows = store.search(parse_query(text) if text else None, limit=EXPORT_LIMIT, **criteria)
        finally:
            store.close()
        if as_json:
            return self._respond(start_response, "200 OK", json.dumps(rows, ensure_ascii=False, indent=1),
                                 "application/json; charset=utf-8")
        return self._respond(start_response, "200 OK", results_csv(rows), "text/csv; charset=utf-8")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def make_web_server(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8080,
                    zone: str = "Asia/Makassar") -> WSGIServer:
    """A threaded HTTP server for the web UI (port 0 picks a free port)."""
    return make_server(host, port, WebApp(db_path, zone=zone), server_class=_ThreadingServer,
                       handler_class=_QuietHandler)


def serve_in_thread(server: WSGIServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
