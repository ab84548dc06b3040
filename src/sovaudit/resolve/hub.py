"""Hugging Face Hub access for the resolver: the real ``huggingface_hub`` client, a SQLite cache,
timeouts, retries with backoff (honouring Retry-After), and a circuit breaker.

No Hub fact is invented here: this module only fetches ``model_info`` and turns it into a small
plain record (``HubRecord``) that the resolver interprets. ``HF_TOKEN`` is handled by
``huggingface_hub`` itself and never stored, logged or reported.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import platformdirs

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TTL = 7 * 24 * 3600


def env_offline() -> bool:
    """``HF_HUB_OFFLINE`` read now (not at import), as huggingface_hub spells its truth values."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


@dataclass(frozen=True)
class HubRecord:
    """What the Hub said about one repo, or why it said nothing.

    ``status``: ok | not-found | gated | error | unreachable | offline | malformed.
    """

    repo_id: str
    status: str
    fetched_at: str = ""
    detail: str = ""
    author: str = ""
    sha: str = ""
    license: str = ""  # the card's license field
    license_tags: tuple[str, ...] = ()  # license:* tags
    gated: str = ""  # "", "auto", "manual"
    card_base_models: tuple[str, ...] = ()
    base_model_tags: tuple[tuple[str, str], ...] = ()  # (relation, parent)
    pipeline_tag: str = ""
    parameters: int = 0
    library: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "HubRecord":
        d = json.loads(text)
        for k in ("license_tags", "card_base_models"):
            d[k] = tuple(d.get(k, ()))
        d["base_model_tags"] = tuple(tuple(x) for x in d.get("base_model_tags", ()))
        return cls(**d)


def _as_list(v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if isinstance(v, (list, tuple)):
        return tuple(str(x) for x in v if isinstance(x, str))
    return ()


def record_from_info(repo_id: str, info: Any, fetched_at: str) -> HubRecord:
    """Turn a ``huggingface_hub.ModelInfo`` into a HubRecord."""
    card = getattr(info, "card_data", None) or getattr(info, "cardData", None) or {}
    if hasattr(card, "to_dict"):
        card = card.to_dict()
    card = card if isinstance(card, dict) else {}
    tags = [t for t in (getattr(info, "tags", None) or []) if isinstance(t, str)]
    bm_tags: list[tuple[str, str]] = []
    for t in tags:
        if t.startswith("base_model:"):
            parts = t.split(":", 2)
            if len(parts) == 3:
                bm_tags.append((parts[1], parts[2]))
    lic = card.get("license", "")
    lic = lic if isinstance(lic, str) else ",".join(_as_list(lic))
    st = getattr(info, "safetensors", None)
    params = int(getattr(st, "total", 0) or 0) if st is not None else 0
    gated = getattr(info, "gated", False)
    return HubRecord(
        repo_id=repo_id,
        status="ok",
        fetched_at=fetched_at,
        author=str(getattr(info, "author", "") or ""),
        sha=str(getattr(info, "sha", "") or ""),
        license=lic,
        license_tags=tuple(sorted(t[len("license:"):] for t in tags if t.startswith("license:"))),
        gated=str(gated) if gated not in (False, None) else "",
        card_base_models=_as_list(card.get("base_model")),
        base_model_tags=tuple(sorted(set(bm_tags))),
        pipeline_tag=str(getattr(info, "pipeline_tag", "") or ""),
        parameters=params,
        library=str(getattr(info, "library_name", "") or ""),
    )


# ------------------------------------------------------------------------------------------
# Cache
# ------------------------------------------------------------------------------------------


class HubCache:
    """SQLite (WAL) cache of HubRecords with a TTL. Thread-safe; a corrupt file is rebuilt."""

    def __init__(self, folder: str | os.PathLike | None, ttl: int = DEFAULT_TTL):
        self.ttl = ttl
        self.lock = threading.Lock()
        base = Path(folder) if folder else Path(platformdirs.user_cache_dir("sovaudit", appauthor=False))
        self.path = base / "hub-v1.sqlite3"
        self.conn: sqlite3.Connection | None = None
        for _ in (1, 2):
            try:
                base.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS hub (endpoint TEXT, repo_id TEXT, stored REAL, record TEXT,"
                    " PRIMARY KEY (endpoint, repo_id))"
                )
                conn.execute("SELECT count(*) FROM hub").fetchone()
                self.conn = conn
                return
            except sqlite3.DatabaseError as exc:
                log.warning("Hub cache %s is corrupt (%s); rebuilding it", self.path, exc)
                for suffix in ("", "-wal", "-shm"):
                    try:
                        os.unlink(str(self.path) + suffix)
                    except OSError:
                        pass
            except OSError as exc:
                log.warning("Hub cache unavailable (%s); continuing without it", exc)
                return

    def get(self, ep: str, repo_id: str) -> HubRecord | None:
        if self.conn is None:
            return None
        with self.lock:
            try:
                row = self.conn.execute("SELECT stored, record FROM hub WHERE endpoint=? AND repo_id=?", (ep, repo_id)).fetchone()
            except sqlite3.DatabaseError:
                return None
        if row is None or time.time() - row[0] > self.ttl:
            return None
        try:
            return HubRecord.from_json(row[1])
        except (ValueError, TypeError, KeyError):
            return None

    def put(self, ep: str, rec: HubRecord) -> None:
        # only answers worth remembering: facts and definite absences, not transient failures
        if self.conn is None or rec.status not in ("ok", "not-found", "gated"):
            return
        with self.lock:
            try:
                self.conn.execute("INSERT OR REPLACE INTO hub VALUES (?,?,?,?)", (ep, rec.repo_id, time.time(), rec.to_json()))
                self.conn.commit()
            except sqlite3.DatabaseError as exc:
                log.warning("Hub cache write failed: %s", exc)

    def close(self) -> None:
        if self.conn is not None:
            with self.lock:
                self.conn.close()
            self.conn = None


# ------------------------------------------------------------------------------------------
# Client with retries and a circuit breaker
# ------------------------------------------------------------------------------------------


@dataclass
class HubClient:
    """Fetches HubRecords. ``offline`` makes no call at all. After ``breaker_threshold`` transport
    failures in a row (timeouts, refused connections) the breaker opens and every later call
    answers ``unreachable`` at once, for the rest of the run."""

    offline: bool = False
    cache: HubCache | None = None
    refresh: bool = False
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 30.0
    breaker_threshold: int = 2
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    _failures: int = 0
    _open: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _apis: dict = field(default_factory=dict)
    calls: int = 0

    @property
    def breaker_open(self) -> bool:
        return self._open

    def _transport_failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.breaker_threshold:
                self._open = True

    def _transport_ok(self) -> None:
        with self._lock:
            self._failures = 0

    def fetch(self, repo_id: str) -> HubRecord:
        if self.offline:
            return HubRecord(repo_id, "offline", detail="offline mode: Hub not consulted")
        ep = endpoint()
        if self.cache is not None and not self.refresh:
            hit = self.cache.get(ep, repo_id)
            if hit is not None:
                return hit
        if self._open:
            return HubRecord(repo_id, "unreachable", detail="hub unreachable (earlier requests failed)")
        rec = self._fetch_remote(ep, repo_id)
        if self.cache is not None:
            self.cache.put(ep, rec)
        return rec

    def _fetch_remote(self, ep: str, repo_id: str) -> HubRecord:
        from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

        api = self._api(ep)
        attempt = 0
        while True:
            attempt += 1
            if self._open:
                return HubRecord(repo_id, "unreachable", detail="hub unreachable (earlier requests failed)")
            now = self.clock().replace(microsecond=0).isoformat()
            with self._lock:
                self.calls += 1
            try:
                info = api.model_info(repo_id, timeout=self.timeout)
            except GatedRepoError:
                self._transport_ok()
                return HubRecord(repo_id, "gated", now, "gated repository: access requires accepting its terms")
            except RepositoryNotFoundError:
                self._transport_ok()
                return HubRecord(repo_id, "not-found", now, "no such model on the Hub (or private)")
            except HfHubHTTPError as exc:
                self._transport_ok()
                resp = getattr(exc, "response", None)
                code = getattr(resp, "status_code", 0) or 0
                if code in (401, 403):
                    return HubRecord(repo_id, "gated", now, f"HTTP {code}: access denied")
                if code == 404:
                    return HubRecord(repo_id, "not-found", now, "HTTP 404")
                if (code == 429 or code >= 500) and attempt <= self.retries:
                    self.sleep(self._delay(resp, attempt))
                    continue
                return HubRecord(repo_id, "error", now, f"HTTP {code} after {attempt} attempt(s)")
            except (ValueError, TypeError, KeyError) as exc:  # malformed JSON or unexpected shape
                self._transport_ok()
                return HubRecord(repo_id, "malformed", now, f"malformed Hub response: {type(exc).__name__}")
            except Exception as exc:  # timeouts, refused connections, DNS: transport failures
                self._transport_failed()
                if not self._open and attempt <= self.retries:
                    self.sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                return HubRecord(repo_id, "unreachable", now, f"hub unreachable: {type(exc).__name__}")
            self._transport_ok()
            try:
                return record_from_info(repo_id, info, now)
            except (ValueError, TypeError, AttributeError) as exc:
                return HubRecord(repo_id, "malformed", now, f"malformed Hub response: {exc}")

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def _api(self, ep: str):
        """One HfApi per endpoint for the run; the token is huggingface_hub's own handling
        (HF_TOKEN, stored login) and never passes through sovaudit."""
        from huggingface_hub import HfApi

        with self._lock:
            if self._apis.get(ep) is None:
                self._apis[ep] = HfApi(endpoint=ep)
            return self._apis[ep]

    def _delay(self, resp: Any, attempt: int) -> float:
        ra = ""
        try:
            ra = resp.headers.get("Retry-After", "") if resp is not None else ""
        except AttributeError:
            ra = ""
        if ra:
            try:
                return min(float(ra), self.max_retry_after)
            except ValueError:
                try:
                    from email.utils import parsedate_to_datetime

                    when = parsedate_to_datetime(ra)
                    return max(0.0, min((when - datetime.now(timezone.utc)).total_seconds(), self.max_retry_after))
                except (TypeError, ValueError):
                    pass
        return self.backoff * (2 ** (attempt - 1))
