"""Shared helpers of the benchmarks: local sites served from a separate process, and their pages.

``MirrorServer(factory, *args)`` starts a spawned process that calls ``factory(*args)`` to build a
list of sites (objects with ``get(path) -> Resource | None``) and serves each on its own
127.0.0.1 port (port 0: OS-chosen) with a threaded HTTP/1.1 keep-alive server. The server runs in its
own process so that it never shares the crawler's GIL; every request is logged there (site, kind,
status, bytes) and the log is read back over a pipe, so request counts come from the server's view.

Sites here:

- ``ArticleMirror``: ≥ 1,000 distinct article pages made from the 181 real pages of the shared
  extraction benchmark, each copy with a unique sentence injected into its article body and a unique
  URL path, plus robots.txt and a sitemap index with children of ≤ 500 URLs.
- ``GeneratedSite``: N generated Indonesian article pages (20–60 KB each) made on request from their
  number, plus robots.txt and a sitemap index with children of ≤ 1,000 URLs.
- ``FeedSite``: a small site with an RSS feed of 20 articles; feed, robots.txt and articles all
  answer conditional GETs (ETag / Last-Modified → 304).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import multiprocessing
import os
import random
import re
import resource
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "extraction"
FIXED_TIME = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)
HTTP_TIME = email.utils.format_datetime(FIXED_TIME, usegmt=True)
WITA = timezone(timedelta(hours=8))


# --------------------------------------------------------------------------- resources and sites


@dataclass
class Resource:
    """One response body with what the server needs to answer for it."""

    body: bytes
    content_type: str
    kind: str  # robots, sitemap, feed, article: for the request log
    etag: str | None = None
    last_modified: str | None = None
    gzipped: bytes | None = None  # sent instead of body to clients that accept gzip


def make_resource(body: bytes, content_type: str, kind: str, *, validators: bool = True,
             gzip_body: bool = False) -> Resource:
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"' if validators else None
    return Resource(body, content_type, kind, etag, HTTP_TIME if validators else None,
                    gzip.compress(body, 5, mtime=0) if gzip_body else None)


def robots_txt(base: str, sitemap_path: str | None = "/sitemap.xml") -> bytes:
    lines = ["User-agent: *", "Disallow: /wp-admin/", "Disallow: /cari?", ""]
    if sitemap_path:
        lines.append(f"Sitemap: {base}{sitemap_path}")
    return ("\n".join(lines) + "\n").encode()


def sitemap_set(base: str, article_paths: Sequence[str], per_child: int) -> dict[str, bytes]:
    """``/sitemap.xml`` (an index) and ``/sitemap-N.xml`` children of at most ``per_child`` URLs each."""
    files: dict[str, bytes] = {}
    children = []
    lastmod = FIXED_TIME.isoformat()
    for n, start in enumerate(range(0, len(article_paths), per_child), 1):
        path = f"/sitemap-{n}.xml"
        children.append(path)
        rows = "".join(f"<url><loc>{xml_escape(base + p)}</loc><lastmod>{lastmod}</lastmod></url>\n"
                       for p in article_paths[start:start + per_child])
        files[path] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                       '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                       f"{rows}</urlset>\n").encode()
    # Children newest first, as big sites list them (the crawler reads at most 10 children).
    index_rows = "".join(
        f"<sitemap><loc>{base}{p}</loc><lastmod>{(FIXED_TIME - timedelta(minutes=i)).isoformat()}</lastmod></sitemap>\n"
        for i, p in enumerate(children))
    files["/sitemap.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                             f"{index_rows}</sitemapindex>\n").encode()
    return files


class StaticSite:
    """A site whose every resource is built in advance."""

    def __init__(self, resources: dict[str, Resource]) -> None:
        self.resources = resources

    def get(self, path: str) -> Resource | None:
        return self.resources.get(path)


# --------------------------------------------------------------------------- the article mirror

MARKER = "Salinan arsip pemantauan nomor {n:06d} disiapkan redaksi untuk uji beban pemantau berita."


@dataclass(frozen=True)
class BasePage:
    """One of the real pages and where a copy's unique sentence goes (an offset in its text)."""

    key: str
    offset: int


def mirror_path(n: int, base: BasePage) -> str:
    return f"/berita/{n:05d}/salinan-{n // 1000}-{base.key[:16]}"


def _load(data: Path, key: str) -> str:
    with gzip.open(data / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
        return f.read()


def copy_html(html: str, base: BasePage, n: int, url: str) -> str:
    """Copy ``n`` of a real page: its own canonical URL and a unique sentence inside its article text."""
    text = html[:base.offset] + " " + MARKER.format(n=n) + html[base.offset:]
    head = re.search(r"<head(?:\s[^>]*)?>", text, re.IGNORECASE)
    canonical = f'<link rel="canonical" href="{url}">'
    if head:
        return text[:head.end()] + canonical + text[head.end():]
    return canonical + text


def _find_offset(html: str, article_text: str) -> list[int]:
    """Candidate offsets inside the body text where a sentence can go: after a sentence that the
    extracted text contains (so the injected sentence lands in the same paragraph)."""
    body = re.search(r"<body[\s>]", html, re.IGNORECASE)
    start = body.start() if body else 0
    paragraphs = [p for p in article_text.split("\n") if len(p) >= 120]
    middle = len(paragraphs) // 2
    ordered = paragraphs[middle:] + paragraphs[:middle][::-1]
    offsets = []
    for paragraph in ordered:
        words = re.findall(r"\w+", paragraph)
        for first in range(0, max(1, len(words) - 6), 5):
            window = words[first:first + 6]
            if len(window) < 4:
                break
            pattern = r"(?<!\w)" + r"[^\w<>]+".join(map(re.escape, window)) + r"(?!\w)"
            m = re.compile(pattern).search(html, start)
            if not m:
                continue
            tail = html[m.end():m.end() + 600]
            stop = re.search(r"[.!?](?=\s)|<", tail)
            if stop and stop.group(0) != "<":
                offsets.append(m.end() + stop.end())
            else:
                offsets.append(m.end())
            break
        if len(offsets) >= 4:
            break
    return offsets


def _plan_one(args: tuple[Path, str]) -> tuple[str, int | None, str]:
    data, key = args
    from monitor.errors import ExtractError
    from monitor.extract import extract_article

    html = _load(data, key)
    url = "http://127.0.0.1:8/berita/00000/plan"
    try:
        text = extract_article(html, url).article.text
    except ExtractError as e:
        return key, None, f"rejected by extract_article: {e.reason}"
    for offset in _find_offset(html, text):
        base = BasePage(key, offset)
        try:
            got = extract_article(copy_html(html, base, 123456, url), url).article.text
        except ExtractError as e:
            return key, None, f"copy rejected by extract_article: {e.reason}"
        if "123456" in got:
            return key, offset, "ok"
    return key, None, "no place in the article text where an injected sentence survives extraction"


def plan_mirror(data: Path = DEFAULT_DATA, processes: int = 2) -> tuple[list[BasePage], dict[str, str]]:
    """The usable real pages (with their injection offsets) and why the others are left out."""
    keys = sorted(p.name.split(".")[0] for p in (data / "html").glob("*.html.gz"))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_plan_one, [(data, k) for k in keys])
    bases = [BasePage(k, off) for k, off, _ in results if off is not None]
    left_out = {k: why for k, off, why in results if off is None}
    return bases, left_out


def mirror_pages(data: Path, bases: Sequence[BasePage], count: int, base_url: str) -> list[tuple[str, str]]:
    """(path, html) of ``count`` distinct copies, cycling through the base pages."""
    originals = {b.key: _load(data, b.key) for b in bases}
    pages = []
    for n in range(count):
        base = bases[n % len(bases)]
        path = mirror_path(n, base)
        pages.append((path, copy_html(originals[base.key], base, n, base_url + path)))
    return pages


class ArticleMirror(StaticSite):
    def __init__(self, base_url: str, pages: Sequence[tuple[str, str]], per_child: int, gzip_body: bool) -> None:
        resources = {path: make_resource(html.encode("utf-8"), "text/html; charset=utf-8", "article",
                                         gzip_body=gzip_body) for path, html in pages}
        for path, body in sitemap_set(base_url, [p for p, _ in pages], per_child).items():
            resources[path] = make_resource(body, "application/xml", "sitemap")
        resources["/robots.txt"] = make_resource(robots_txt(base_url), "text/plain", "robots")
        super().__init__(resources)


def article_mirror(data: Path, bases: Sequence[BasePage], count: int, per_child: int, gzip_body: bool,
                   *, port: int) -> list[Any]:
    base_url = f"http://127.0.0.1:{port}"
    return [ArticleMirror(base_url, mirror_pages(data, bases, count, base_url), per_child, gzip_body)]


# --------------------------------------------------------------------------- generated articles

_WORDS = (
    "pemerintah kabupaten provinsi warga desa kecamatan kota bupati gubernur wali dinas kepala rapat anggaran "
    "pembangunan jalan jembatan sekolah rumah sakit puskesmas pasar nelayan petani sawah banjir longsor hujan "
    "pemilihan umum kotak suara logistik distribusi petugas panitia pengawas saksi tempat pemungutan polisi "
    "aparat keamanan patroli pengamanan netralitas aparatur sipil negara pegawai kampanye calon pasangan "
    "tahun bulan pekan hari kemarin pagi siang sore malam sejumlah beberapa seluruh masyarakat tokoh adat "
    "agama pemuda mahasiswa organisasi lembaga program kegiatan bantuan sosial harga beras minyak bahan "
    "bakar listrik air bersih sungai pelabuhan bandara kapal penumpang angkutan tambang batu bara sawit "
    "hutan lingkungan sampah kesehatan pendidikan guru murid anak perempuan ekonomi usaha kecil menengah "
    "dengan untuk dari pada dalam oleh akan telah sudah masih belum juga yang dan atau tetapi karena agar "
    "menurut kata ujar jelas tegas sebut menyampaikan mengatakan menjelaskan menambahkan berharap meminta"
).split()
_CITIES = ["SAMARINDA", "BALIKPAPAN", "TENGGARONG", "BONTANG", "TANJUNG REDEB", "PENAJAM", "SENDAWAR",
           "TANA PASER", "SANGATTA", "MAKASSAR", "BANJARMASIN", "PONTIANAK", "PALANGKA RAYA", "TARAKAN"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 22))]
    return " ".join(words).capitalize() + "."


def generated_article(n: int, base_url: str, *, min_kb: int = 20, max_kb: int = 60) -> bytes:
    """A realistic article page for number ``n``: deterministic, unique text, ``min_kb``–``max_kb`` KB."""
    rng = random.Random(n * 7919 + 17)
    target = rng.randint(min_kb, max_kb) * 1024
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 11))).title() + f" ({n})"
    city = rng.choice(_CITIES)
    published = (FIXED_TIME - timedelta(minutes=7 * n)).astimezone(WITA)
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(6, 14))]
    paragraphs[0] = f"{city} - " + paragraphs[0] + f" Nomor laporan {n}."
    url = f"{base_url}/berita/{n}/artikel-{n}"
    related = "".join(f'<li><a href="/berita/{(n * 31 + i) % 100000}/artikel-{(n * 31 + i) % 100000}">'
                      f"{_sentence(rng)[:80]}</a></li>" for i in range(12))
    nav = "".join(f'<li><a href="/kanal/{w}">{w.title()}</a></li>' for w in _WORDS[:40])
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    head = (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title} - Warta Bench</title>'
            f'<meta name="description" content="{paragraphs[0][:150]}">'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
            f'<meta property="og:url" content="{url}"><meta property="og:site_name" content="Warta Bench">'
            f'<meta property="article:published_time" content="{published.isoformat()}">'
            f'<link rel="canonical" href="{url}">'
            '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
            f'"headline":"{title}","datePublished":"{published.isoformat()}",'
            f'"author":{{"@type":"Person","name":"Penulis {n % 50}"}}}}</script>'
            "<style>" + ".c{margin:0 auto;max-width:960px}" * 20 + "</style></head>")
    page = (f'{head}<body><header><nav><ul>{nav}</ul></nav></header><main class="c"><article>'
            f'<h1>{title}</h1><div class="meta">Penulis {n % 50} | {published:%d/%m/%Y %H:%M} WITA</div>'
            f'<div class="content">{body}</div></article>'
            f'<aside class="terkait"><h3>Berita Terkait</h3><ul>{related}</ul></aside></main>')
    footer = "<footer><p>Copyright © 2024 Warta Bench. All rights reserved.</p></footer>"
    pad = max(0, target - len(page) - len(footer) - 40)
    # Pages of real outlets are mostly scripts and markup: pad with an inline script (ads, analytics).
    filler = "".join(f"window.dataLayer.push({{event:'v{i}',slot:'{rng.random():.8f}'}});"
                     for i in range(pad // 52 + 1))[:pad]
    return (page + footer + f"<script>{filler}</script></body></html>").encode("utf-8")


class GeneratedSite:
    """``count`` generated articles, made on request; sitemaps of at most ``per_child`` URLs."""

    def __init__(self, base_url: str, count: int, per_child: int) -> None:
        self.base_url = base_url
        self.count = count
        paths = [f"/berita/{n}/artikel-{n}" for n in range(count)]
        self.static = {p: make_resource(b, "application/xml", "sitemap")
                       for p, b in sitemap_set(base_url, paths, per_child).items()}
        self.static["/robots.txt"] = make_resource(robots_txt(base_url), "text/plain", "robots")
        self._article = re.compile(r"^/berita/(\d+)/artikel-(\d+)$")

    def get(self, path: str) -> Resource | None:
        if path in self.static:
            return self.static[path]
        m = self._article.match(path)
        if m and m.group(1) == m.group(2) and int(m.group(1)) < self.count:
            return make_resource(generated_article(int(m.group(1)), self.base_url), "text/html; charset=utf-8",
                            "article")
        return None


def generated_site(count: int, per_child: int, *, port: int) -> list[Any]:
    return [GeneratedSite(f"http://127.0.0.1:{port}", count, per_child)]


# --------------------------------------------------------------------------- RSS sites


class FeedSite(StaticSite):
    """Site ``number`` with an RSS feed of ``articles`` articles; everything answers conditional GETs."""

    def __init__(self, base_url: str, number: int, articles: int) -> None:
        resources: dict[str, Resource] = {}
        items = []
        for i in range(articles):
            n = number * 1000 + i
            path = f"/berita/{n}/artikel-{n}"
            resources[path] = make_resource(generated_article(n, base_url, min_kb=15, max_kb=30),
                                       "text/html; charset=utf-8", "article")
            published = email.utils.format_datetime(FIXED_TIME - timedelta(minutes=7 * n), usegmt=True)
            items.append(f"<item><title>Artikel {n}</title><link>{base_url}{path}</link>"
                         f"<guid>{base_url}{path}</guid><pubDate>{published}</pubDate></item>")
        rss = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
               f"<title>Situs {number}</title><link>{base_url}/</link><description>Berita</description>"
               + "".join(items) + "</channel></rss>").encode()
        resources["/rss"] = make_resource(rss, "application/rss+xml; charset=utf-8", "feed")
        resources["/robots.txt"] = make_resource(robots_txt(base_url, None), "text/plain", "robots")
        super().__init__(resources)


def feed_site(number: int, articles: int, *, port: int) -> list[Any]:
    return [FeedSite(f"http://127.0.0.1:{port}", number, articles)]


# --------------------------------------------------------------------------- the server process


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default (5) drops SYNs when 16 connections open at once


def _handler(site_index: int, get: Callable[[], Any], log: list[tuple[Any, ...]],
             lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            res = get().get(self.path.split("#")[0])
            if res is None:
                status, body, ctype, kind, extra = 404, b"not found", "text/plain", "other", ""
            else:
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                fresh = (res.etag is not None and inm is not None and res.etag in [t.strip() for t in inm.split(",")]) \
                    or (inm is None and ims is not None and res.last_modified is not None and ims == res.last_modified)
                kind, ctype = res.kind, res.content_type
                extra = ""
                if res.etag:
                    extra += f"ETag: {res.etag}\r\n"
                if res.last_modified:
                    extra += f"Last-Modified: {res.last_modified}\r\n"
                if fresh:
                    status, body = 304, b""
                elif res.gzipped is not None and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    status, body = 200, res.gzipped
                    extra += "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
                else:
                    status, body = 200, res.body
            reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
            head = (f"HTTP/1.1 {status} {reason}\r\nServer: bench-mirror\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\n{extra}\r\n").encode("latin-1")
            self.wfile.write(head + body)  # one write: no Nagle/delayed-ACK stall between head and body
            with lock:
                log.append((site_index, kind, status, len(body), self.path, time.monotonic()))

    return Handler


def _serve(factory: Callable[..., list[Any]], calls: Sequence[tuple[Any, ...]], conn: Any) -> None:
    log: list[tuple[Any, ...]] = []
    lock = threading.Lock()
    servers = []
    sites: list[Any] = []
    for i, _ in enumerate(calls):
        holder: list[Any] = []
        httpd = _Server(("127.0.0.1", 0), _handler(i, lambda h=holder: h[0], log, lock))
        servers.append(httpd)
        sites.append(holder)
    ports = [s.server_address[1] for s in servers]
    for holder, args, port in zip(sites, calls, ports, strict=True):
        holder.extend(factory(*args, port=port))
    for httpd in servers:
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    conn.send(ports)
    while True:
        try:
            command = conn.recv()
        except EOFError:
            break
        if command == "log":
            with lock:
                conn.send(list(log))
        elif command == "reset":
            with lock:
                log.clear()
            conn.send(True)
        elif command == "usage":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            conn.send({"cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024})
        elif command == "stop":
            break
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()
    conn.send(True)


class MirrorServer:
    """Sites served from a spawned process: ``with MirrorServer(factory, [args, ...]) as s: s.base_urls``.

    ``factory(*args, port=PORT)`` runs in the server process once per entry of ``calls`` (one port each)
    and returns the site to serve there (a one-element list).
    """

    def __init__(self, factory: Callable[..., list[Any]], calls: Sequence[tuple[Any, ...]]) -> None:
        self.factory = factory
        self.calls = list(calls)
        self.base_urls: list[str] = []
        self._conn: Any = None
        self._process: Any = None

    def __enter__(self) -> MirrorServer:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(self.factory, self.calls, child), daemon=True,
                                    name="bench-mirror")
        self._process.start()
        self._conn = parent
        ports = parent.recv()
        self.base_urls = [f"http://127.0.0.1:{p}" for p in ports]
        for port in ports:  # make sure every port answers before the clock starts
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.send("stop")
            self._conn.recv()
        except (OSError, EOFError):
            pass
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def log(self) -> list[tuple[Any, ...]]:
        """Requests seen so far: (site index, kind, status, bytes sent, path, monotonic time)."""
        self._conn.send("log")
        return self._conn.recv()  # type: ignore[no-any-return]

    def counts(self) -> Counter[str]:
        """Requests by kind (robots, sitemap, feed, article, other)."""
        return Counter(kind for _, kind, *_ in self.log())

    def reset(self) -> None:
        self._conn.send("reset")
        self._conn.recv()

    def usage(self) -> dict[str, float]:
        """CPU seconds and peak RSS of the server process."""
        self._conn.send("usage")
        return self._conn.recv()  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- processes and CPU

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(root: int, exclude: Sequence[int] = ()) -> dict[int, str]:
    """pid → role (crawler, forkserver, worker, resource tracker, other child) of ``root`` and every
    process below it, leaving out ``exclude`` and their descendants; read from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = {root: "crawler"}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found and pid not in exclude:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if found[ppid] == "forkserver":
                    role = "worker"
                elif "forkserver" in cmd:
                    role = "forkserver"
                elif "resource_tracker" in cmd:
                    role = "resource tracker"
                else:
                    role = "other child"
                found[pid] = role
                changed = True
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuSampler:
    """Samples the CPU time of the processes below ``root`` (not ``exclude``) in a thread: processes
    that exit (pool workers) keep their last sampled figure."""

    def __init__(self, root: int, exclude: Sequence[int] = (), interval: float = 0.25) -> None:
        self.root, self.exclude, self.interval = root, tuple(exclude), interval
        self.cpu: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for pid, role in process_tree(self.root, self.exclude).items():
            try:
                self.cpu[pid] = (role, cpu_seconds(pid))
            except OSError:
                pass

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> CpuSampler:
        self._sample()
        self.start = {pid: s for pid, (_, s) in self.cpu.items()}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def by_role(self) -> dict[str, float]:
        """CPU seconds used while sampling, by role."""
        out: dict[str, float] = {}
        for pid, (role, s) in self.cpu.items():
            out[role] = out.get(role, 0.0) + s - self.start.get(pid, 0.0)
        return out


def cpu_probe(loops: int = 400_000) -> float:
    """Seconds of a fixed pure-Python workload (best of 3): compare across phases to see whether the
    machine's CPU speed changed during a benchmark (shared VMs drift)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(loops):
            total += i * i % 7
        best = min(best, time.perf_counter() - started)
    return best


# --------------------------------------------------------------------------- small shared helpers


def source_yaml(name: str, base_url: str, *, sitemaps: Sequence[str] = (), feeds: Sequence[str] = (),
                delay: float | None = None, concurrency: int | None = None) -> str:
    lines = [f"  - name: {name}", f"    homepage: {base_url}/"]
    if sitemaps:
        lines.append(f"    sitemaps: [{', '.join(base_url + s for s in sitemaps)}]")
    if feeds:
        lines.append(f"    feeds: [{', '.join(base_url + f for f in feeds)}]")
    if delay is not None:
        lines.append(f"    delay: {delay:g}")
    if concurrency is not None:
        lines.append(f"    concurrency: {concurrency}")
    return "\n".join(lines) + "\n"


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header]] + [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
