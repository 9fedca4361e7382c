"""The daily digest: the day's tagged articles grouped into stories, rendered as an e-mail, sent once.

``build_digest`` reads one calendar day (in the configured zone) from the store and groups each
topic's articles into stories; ``compose`` renders the plain-text and HTML parts (Jinja2,
Indonesian or English); ``send_digest`` delivers one message per recipient over SMTP and records
it as sent only once the server has accepted it, so running twice sends once.
"""

from __future__ import annotations

import email.policy
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .errors import ConfigError, MailError
from .models import DigestSettings, Smtp
from .store import Store
from .summarize import Item, stories, summary
from .topics import Topic

SPIKE_FACTOR = 2.0  # a topic's count at least this many times its 7-day average (and at least SPIKE_MIN) is a spike
SPIKE_MIN = 3
WORDS = {
    "id": {
        "subject": "Ringkasan berita {day}", "none": "tidak ada berita bertopik", "heading": "Ringkasan berita",
        "articles": "artikel", "average": "rata-rata 7 hari sebelumnya", "spike": "LONJAKAN",
        "reported_by": "dilaporkan oleh {n} media", "score": "skor", "untagged": "Tanpa topik",
        "empty": "Tidak ada berita bertopik pada hari ini.", "more": "… dan {n} berita lain",
        "footer": "Dikirim oleh berita-monitor.",
        "months": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des",
    },
    "en": {
        "subject": "News digest {day}", "none": "no tagged news", "heading": "News digest",
        "articles": "articles", "average": "average of the previous 7 days", "spike": "SPIKE",
        "reported_by": "reported by {n} outlets", "score": "score", "untagged": "No topic",
        "empty": "No tagged news on this day.", "more": "… and {n} more stories",
        "footer": "Sent by berita-monitor.",
        "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    },
}


@dataclass
class Link:
    source: str
    title: str
    url: str


@dataclass
class Story:
    """One event: the first report, its summary, and every outlet that carried it."""

    title: str
    url: str
    source: str
    published: datetime
    summary: str
    score: float | None
    links: list[Link]

    @property
    def outlets(self) -> int:
        return len({link.source for link in self.links})


@dataclass
class Section:
    """One topic's part of the digest."""

    topic: str
    label: str
    count: int
    average: float
    stories: list[Story] = field(default_factory=list)
    more: int = 0  # stories left out to keep the digest short

    @property
    def spike(self) -> bool:
        return self.count >= SPIKE_MIN and self.count >= SPIKE_FACTOR * self.average


@dataclass
class Digest:
    day: date
    zone: str
    language: str
    sections: list[Section]
    regions: tuple[str, ...] = ()  # as the reader asked for them ("Kukar", "Samarinda")

    @property
    def empty(self) -> bool:
        return not any(section.stories for section in self.sections)


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The start and end of a calendar day in ``zone``."""
    tz = ZoneInfo(zone)
    return datetime.combine(day, time(), tz), datetime.combine(day + timedelta(days=1), time(), tz)


def build_digest(store: Store, day: date, topics: list[Topic], *, zone: str, language: str = "id",
                 tags: tuple[str, ...] = (), include_untagged: bool = False, max_stories: int = 10,
                 regions: tuple[str, ...] = ()) -> Digest:
    """The digest of one day: per topic, its articles grouped into stories (the most widely reported and
    highest scored first, ``max_stories`` at most), with counts against the average of the previous week."""
    unknown = set(tags) - {t.name for t in topics}
    if unknown:
        raise ConfigError(f"unknown topic {sorted(unknown)[0]!r}; topics: {', '.join(t.name for t in topics)}")
    start, end = day_bounds(day, zone)
    articles = store.day_articles(start, end, regions)
    counts = store.topic_counts(start, end, regions)
    before = store.topic_counts(start - timedelta(days=7), start, regions)
    tz = ZoneInfo(zone)
    chosen = [t for t in topics if not tags or t.name in tags]
    sections = []
    for topic in chosen:
        members = [a for a in articles if topic.name in a["tags"]]
        label = topic.label_id if language == "id" else topic.label_en
        found = _stories(members, topic.name, tz)
        sections.append(Section(topic.name, label, counts.get(topic.name, 0), before.get(topic.name, 0) / 7,
                                found[:max_stories], max(0, len(found) - max_stories)))
    if include_untagged:
        members = [a for a in articles if not a["tags"]]
        found = _stories(members, None, tz)
        sections.append(Section("", WORDS[language]["untagged"], len(members), 0.0, found[:max_stories],
                                max(0, len(found) - max_stories)))
    return Digest(day, zone, language, sections, regions)


def _stories(articles: list[dict[str, Any]], topic: str | None, tz: ZoneInfo) -> list[Story]:
    groups = stories([Item(a["id"], a["title"], a["text"]) for a in articles])
    result = []
    for group in groups:
        members = sorted((articles[i] for i in group), key=lambda a: (a["published"], a["id"]))
        first = members[0]
        links = [Link(a["source"], a["title"], a["url"]) for a in members]
        links += [Link(source, first["title"], url) for a in members for url, source in a["copies"]]
        scores = [a["scores"].get(topic) for a in members if topic and a["scores"].get(topic) is not None]
        result.append(Story(first["title"], first["url"], first["source"], first["published"].astimezone(tz),
                            summary(first["title"], first["text"]), max(scores) if scores else None, links))
    return sorted(result, key=lambda s: (-s.outlets, -(s.score or 0), s.published))


def _day_label(day: date, language: str) -> str:
    return f"{day.day} {WORDS[language]['months'].split()[day.month - 1]} {day.year}"


def subject(digest: Digest) -> str:
    """``Ringkasan berita 26 Nov 2024: 5 logistik pemilu, 3 keamanan, 2 netralitas ASN``; the regions asked
    for follow the day: ``Ringkasan berita 26 Nov 2024 (Kukar): …``."""
    words = WORDS[digest.language]
    head = words["subject"].format(day=_day_label(digest.day, digest.language))
    if digest.regions:
        head += f" ({', '.join(digest.regions)})"
    parts = [f"{s.count} {s.label[:1].lower() + s.label[1:]}" for s in digest.sections if s.topic and s.count]
    return f"{head}: {', '.join(parts) if parts else words['none']}"


_ENV = Environment(loader=PackageLoader("monitor", "templates"), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(digest: Digest) -> tuple[str, str]:
    """The plain-text and HTML bodies of a digest (article content escaped in the HTML)."""
    context = dict(digest=digest, w=WORDS[digest.language], day=_day_label(digest.day, digest.language),
                   subject=subject(digest))
    return _ENV.get_template("digest.txt").render(context), _ENV.get_template("digest.html").render(context)


def compose(digest: Digest, sender: str, recipient: str, *, now: datetime | None = None) -> EmailMessage:
    """A multipart/alternative message (plain text and HTML, UTF-8) with Date, Message-ID and Subject."""
    text, html = render(digest)
    # long header lines unfolded (RFC 5322 allows 998): Python folds an 80-character subject oddly
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    message["Subject"] = subject(digest)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(now or datetime.now(ZoneInfo(digest.zone)))
    domain = parseaddr(sender)[1].rpartition("@")[2] or socket.getfqdn()
    message["Message-ID"] = make_msgid("digest", domain=domain)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def smtp_settings(configured: Smtp, environ: dict[str, str] | None = None) -> tuple[Smtp, str | None]:
    """SMTP settings from the config file with the environment over them, and the password (environment
    only): ``MONITOR_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_SECURITY``, ``MONITOR_MAIL_FROM``."""
    env = os.environ if environ is None else environ
    port = env.get("MONITOR_SMTP_PORT")
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"MONITOR_SMTP_PORT: must be a port number (got {port!r})")
    security = env.get("MONITOR_SMTP_SECURITY", configured.security)
    if security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"MONITOR_SMTP_SECURITY: must be none, starttls or ssl (got {security!r})")
    settings = replace(configured, host=env.get("MONITOR_SMTP_HOST", configured.host),
                       port=int(port) if port else configured.port, user=env.get("MONITOR_SMTP_USER", configured.user),
                       security=security, sender=env.get("MONITOR_MAIL_FROM", configured.sender))
    if not settings.host:
        raise ConfigError("no SMTP server: set digest.smtp.host in the config file or MONITOR_SMTP_HOST")
    if not settings.sender:
        raise ConfigError("no sender address: set digest.smtp.from in the config file or MONITOR_MAIL_FROM")
    return settings, env.get("MONITOR_SMTP_PASSWORD")


def _connect(smtp: Smtp, password: str | None) -> smtplib.SMTP:
    host = smtp.host or ""
    port = smtp.port or {"ssl": 465, "starttls": 587}.get(smtp.security, 25)
    context = ssl.create_default_context()
    where = f"SMTP server {host}:{port}"
    try:
        client = (smtplib.SMTP_SSL(host, port, timeout=30, context=context) if smtp.security == "ssl"
                  else smtplib.SMTP(host, port, timeout=30))
        try:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if smtp.user:
                if password is None:
                    raise MailError(f"{where}: user {smtp.user} needs MONITOR_SMTP_PASSWORD in the environment")
                client.login(smtp.user, password)
        except BaseException:
            client.close()
            raise
    except smtplib.SMTPAuthenticationError as e:
        raise MailError(f"{where}: login refused for {smtp.user}: {e.smtp_code} {_text(e.smtp_error)}") from None
    except smtplib.SMTPNotSupportedError as e:
        raise MailError(f"{where}: {e} (check digest.smtp.security)") from None
    except ssl.SSLError as e:
        raise MailError(f"{where}: TLS failed: {e.reason or e}") from None
    except (smtplib.SMTPException, OSError) as e:
        raise MailError(f"{where}: cannot connect: {getattr(e, 'strerror', None) or e}") from None
    return client


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # had it already
    refused: dict[str, str] = field(default_factory=dict)


def send_digest(store: Store, digest: Digest, settings: DigestSettings, recipients: list[str], *,
                force: bool = False, environ: dict[str, str] | None = None) -> Delivery:
    """Send the digest to each recipient who has not had it (all of them with ``force``); each accepted
    message is recorded at once, so a failure part-way can simply be retried."""
    delivery = Delivery()
    day = digest.day.isoformat()
    pending = []
    for recipient in recipients:
        address = parseaddr(recipient)[1]
        if not force and store.digest_sent(day, address):
            delivery.skipped.append(address)
        else:
            pending.append(recipient)
    if not pending:
        return delivery
    smtp, password = smtp_settings(settings.smtp, environ)
    client = _connect(smtp, password)
    try:
        for recipient in pending:
            address = parseaddr(recipient)[1]
            message = compose(digest, smtp.sender or "", recipient)
            try:
                client.send_message(message, from_addr=parseaddr(smtp.sender or "")[1], to_addrs=[address])
            except smtplib.SMTPRecipientsRefused as e:
                code, reason = e.recipients.get(address, (0, b"refused"))
                delivery.refused[address] = f"{code} {_text(reason)}"
                continue
            except smtplib.SMTPResponseException as e:
                delivery.refused[address] = f"{e.smtp_code} {_text(e.smtp_error)}"
                continue
            except (smtplib.SMTPException, OSError) as e:
                raise MailError(f"SMTP server {smtp.host}: sending to {address} failed: {e}") from None
            store.record_digest(day, address, str(message["Message-ID"]), str(message["Subject"]))
            delivery.sent.append(address)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return delivery

