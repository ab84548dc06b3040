"""Hugging Face Hub access for the resolver: the real ``huggingface_hub`` client set-up, a SQLite
cache, a total deadline and a body cap per request, retries with backoff (a short Retry-After
honoured, a long one not waited for), and a circuit breaker.

No Hub fact is invented here: this module only fetches ``model_info`` and turns it into a small
plain record (``HubRecord``) that the resolver interprets. ``HF_TOKEN`` is handled by
``huggingface_hub`` itself and never stored, logged or reported.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
    def from_json(cls, text: str) -> HubRecord:
        """The record a cache row holds; ValueError unless every field has its type (a row
        written by another version, or damaged, is a cache miss, never a crash later)."""
        d = json.loads(text)
        if not isinstance(d, dict) or set(d) - _FIELDS or not isinstance(d.get("repo_id"), str) or d.get("status") not in _STATUSES:
            raise ValueError("not a Hub record")
        out: dict[str, Any] = {}
        for k, v in d.items():
            if k in ("license_tags", "card_base_models"):
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    raise ValueError(f"{k}: not a list of strings")
                out[k] = tuple(v)
            elif k == "base_model_tags":
                if not isinstance(v, list) or not all(isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x) for x in v):
                    raise ValueError(f"{k}: not a list of pairs of strings")
                out[k] = tuple(tuple(x) for x in v)
            elif k == "parameters":
                if not isinstance(v, int) or isinstance(v, bool):
                    raise ValueError(f"{k}: not an integer")
                out[k] = v
            else:
                if not isinstance(v, str):
                    raise ValueError(f"{k}: not a string")
                out[k] = v
        return cls(**out)


_STATUSES = {"ok", "not-found", "gated", "error", "unreachable", "offline", "malformed"}
_FIELDS = {"repo_id", "status", "fetched_at", "detail", "author", "sha", "license", "license_tags", "gated",
           "card_base_models", "base_model_tags", "pipeline_tag", "parameters", "library"}


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


_SCHEMA = [("endpoint", "TEXT"), ("repo_id", "TEXT"), ("stored", "REAL"), ("record", "TEXT")]


class HubCache:
    """SQLite (WAL) cache of HubRecords with a TTL. Thread-safe. A file that is not a database, a
    ``hub`` table of another shape, or damaged pages (found when the file is opened, by SQLite's
    quick check, or later, by a read or write) make the cache be rebuilt, once per run."""

    def __init__(self, folder: str | os.PathLike | None, ttl: int = DEFAULT_TTL):
        self.ttl = ttl
        self.lock = threading.Lock()
        base = Path(folder) if folder else Path(platformdirs.user_cache_dir("sovaudit", appauthor=False))
        self.base = base
        self.path = base / "hub-v1.sqlite3"
        self.conn: sqlite3.Connection | None = None
        self.rebuilt = False
        self._open()

    def _open(self) -> None:
        for _ in (1, 2):
            try:
                self.base.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute(
                        "CREATE TABLE IF NOT EXISTS hub (endpoint TEXT, repo_id TEXT, stored REAL, record TEXT,"
                        " PRIMARY KEY (endpoint, repo_id))"
                    )
                    cols = [(r[1], r[2].upper()) for r in conn.execute("PRAGMA table_info(hub)")]
                    if cols != _SCHEMA:
                        raise sqlite3.DatabaseError(f"its hub table has columns {cols}, not {_SCHEMA}")
                    check = conn.execute("PRAGMA quick_check").fetchall()
                    if check != [("ok",)]:
                        raise sqlite3.DatabaseError(f"quick check: {str(check[0][0])[:200]}")
                except BaseException:
                    conn.close()
                    raise
                self.conn = conn
                return
            except sqlite3.DatabaseError as exc:
                log.warning("Hub cache %s is corrupt (%s); rebuilding it", self.path, exc)
                self.rebuilt = True
                self._unlink()
            except OSError as exc:
                log.warning("Hub cache unavailable (%s); continuing without it", exc)
                return

    def _unlink(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(str(self.path) + suffix)
            except OSError:
                pass

    def _damaged(self, exc: sqlite3.DatabaseError) -> None:
        """A read or write met damage the quick check did not (or it came later): rebuild the
        file once per run; after that, go on without a cache. Called with ``lock`` held."""
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return  # another scan holds it: not damage
        log.warning("Hub cache %s is damaged (%s); rebuilding it", self.path, exc)
        if self.conn is not None:
            try:
                self.conn.close()
            except sqlite3.Error:
                pass
            self.conn = None
        if self.rebuilt:
            return
        self.rebuilt = True
        self._unlink()
        self._open()

    def get(self, ep: str, repo_id: str) -> HubRecord | None:
        with self.lock:
            if self.conn is None:
                return None
            try:
                row = self.conn.execute("SELECT stored, record FROM hub WHERE endpoint=? AND repo_id=?", (ep, repo_id)).fetchone()
            except sqlite3.DatabaseError as exc:
                self._damaged(exc)
                return None
        if row is None or not isinstance(row[0], (int, float)) or not isinstance(row[1], str) or time.time() - row[0] > self.ttl:
            return None
        try:
            rec = HubRecord.from_json(row[1])
        except (ValueError, TypeError, KeyError):
            return None
        return rec if rec.repo_id == repo_id else None

    def put(self, ep: str, rec: HubRecord) -> None:
        # only answers worth remembering: facts and definite absences, not transient failures
        if rec.status not in ("ok", "not-found", "gated"):
            return
        with self.lock:
            if self.conn is None:
                return
            try:
                self.conn.execute("INSERT OR REPLACE INTO hub VALUES (?,?,?,?)", (ep, rec.repo_id, time.time(), rec.to_json()))
                self.conn.commit()
            except sqlite3.DatabaseError as exc:
                self._damaged(exc)

    def close(self) -> None:
        if self.conn is not None:
            with self.lock:
                self.conn.close()
            self.conn = None


# ------------------------------------------------------------------------------------------
# Client with retries and a circuit breaker
# ------------------------------------------------------------------------------------------


class HubCut(Exception):
    """A Hub response cut off before it was complete: over the total deadline or the size cap.
    Counted as a transport failure (a server that trickles or floods is not answering)."""


#: Largest Hub answer read (bytes, after decompression). ``model_info`` of a repository with
#: thousands of files is a few hundred KB; anything larger is cut and recorded, never held whole.
MAX_BODY = 8 * 1024 * 1024


@dataclass
class HubClient:
    """Fetches HubRecords. ``offline`` makes no call at all.

    Each request has a total deadline of ``timeout`` seconds (connecting, waiting and reading
    together: a response that trickles is cut when it is due, not after every read) and a body
    cap of ``max_body`` bytes. A rate limit (429) with a ``Retry-After`` up to
    ``max_retry_after`` seconds is waited for; a longer one is not waited for at all. Transport
    failures (timeouts, refused connections, responses cut off) and rate limits count towards the
    breaker: after ``breaker_threshold`` of them in a row it opens and every later call answers
    ``unreachable`` at once, for the rest of the run. An answer of the wrong shape is
    ``malformed``: the Hub did answer, so it does not count."""

    offline: bool = False
    cache: HubCache | None = None
    refresh: bool = False
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 5.0
    max_body: int = MAX_BODY
    breaker_threshold: int = 2
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    _failures: int = 0
    _open: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _apis: dict = field(default_factory=dict)
    _http: Any = None
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

        _api, headers = self._api(ep)
        attempt = 0
        while True:
            attempt += 1
            if self._open:
                return HubRecord(repo_id, "unreachable", detail="hub unreachable (earlier requests failed)")
            now = self.clock().replace(microsecond=0).isoformat()
            with self._lock:
                self.calls += 1
            try:
                body = self._get(headers, ep, repo_id)
            except GatedRepoError:
                self._transport_ok()
                return HubRecord(repo_id, "gated", now, "gated repository: access requires accepting its terms")
            except RepositoryNotFoundError:
                self._transport_ok()
                return HubRecord(repo_id, "not-found", now, "no such model on the Hub (or private)")
            except HfHubHTTPError as exc:
                resp = getattr(exc, "response", None)
                code = getattr(resp, "status_code", 0) or 0
                if code == 429:
                    self._transport_failed()  # a rate limit is the Hub saying "not now": the breaker counts it
                    wait = self._retry_after(resp)
                    if wait is None or wait > self.max_retry_after:
                        return HubRecord(repo_id, "error", now, f"HTTP 429 (rate limited; Retry-After {_retry_text(resp)} "
                                                                f"is over {self.max_retry_after:g} s: not waited for)")
                    if attempt <= self.retries and not self._open:
                        self.sleep(wait)
                        continue
                    return HubRecord(repo_id, "error", now, f"HTTP 429 (rate limited) after {attempt} attempt(s)")
                self._transport_ok()
                if code in (401, 403):
                    return HubRecord(repo_id, "gated", now, f"HTTP {code}: access denied")
                if code == 404:
                    return HubRecord(repo_id, "not-found", now, "HTTP 404")
                if code >= 500 and attempt <= self.retries:
                    self.sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                return HubRecord(repo_id, "error", now, f"HTTP {code} after {attempt} attempt(s)")
            except HubCut as exc:  # not retried: a server that trickles or floods would do it again
                self._transport_failed()
                return HubRecord(repo_id, "error", now, str(exc))
            except Exception as exc:  # noqa: BLE001 -- timeouts, refused connections, DNS: transport failures
                self._transport_failed()
                if not self._open and attempt <= self.retries:
                    self.sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                return HubRecord(repo_id, "unreachable", now, f"hub unreachable: {type(exc).__name__}")
            self._transport_ok()  # a complete answer came back: whatever its shape, the Hub is reachable
            try:
                from huggingface_hub.hf_api import ModelInfo

                data = json.loads(body)
                if not isinstance(data, dict):
                    raise TypeError(f"a JSON {type(data).__name__}, not an object")
                return record_from_info(repo_id, ModelInfo(**data), now)
            except Exception as exc:  # noqa: BLE001 -- any shape the parser cannot take is malformed
                return HubRecord(repo_id, "malformed", now, f"malformed Hub response: {type(exc).__name__}")

    def _get(self, headers: dict, ep: str, repo_id: str) -> bytes:
        """The body of ``GET /api/models/<repo_id>`` through huggingface_hub's own session, headers
        (its token handling) and error mapping, read as a stream: cut at ``timeout`` seconds from
        the start of the request, whatever the server trickles, and at ``max_body`` bytes."""
        from huggingface_hub.utils import hf_raise_for_status

        deadline = time.monotonic() + self.timeout
        url = f"{ep}/api/models/{repo_id}"
        watchdog = _Watchdog(deadline)
        started = False  # the response's headers are in: a cut from here on is the body's
        try:
            with self._session().stream("GET", url, headers=headers, timeout=self.timeout,
                                      extensions={"trace": watchdog.trace}) as r:
                watchdog.watch(r)
                started = True
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_body:
                    raise HubCut(f"Hub response of {int(declared)} bytes is over the {self.max_body}-byte cap: not read")
                buf = bytearray()
                for chunk in r.iter_bytes():
                    buf += chunk
                    if len(buf) > self.max_body:
                        raise HubCut(f"Hub response over the {self.max_body}-byte cap: cut")
                    if time.monotonic() > deadline:
                        raise HubCut(f"Hub response not complete within {self.timeout:g} s: cut")
        except HubCut:
            raise
        except Exception:
            if started and (watchdog.fired or time.monotonic() > deadline):
                raise HubCut(f"Hub response not complete within {self.timeout:g} s: cut") from None
            if watchdog.fired:  # no answer in time: a timeout like any other (retried, counted)
                raise TimeoutError(f"no answer within {self.timeout:g} s") from None
            raise
        finally:
            watchdog.cancel()
        if r.status_code >= 400:
            import httpx2

            hf_raise_for_status(httpx2.Response(r.status_code, headers=r.headers, content=bytes(buf), request=r.request))
        return bytes(buf)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()

    def _api(self, ep: str) -> tuple[Any, dict]:
        """One HfApi per endpoint for the run, and its request headers; the token is
        huggingface_hub's own handling (HF_TOKEN, stored login) and never passes through sovaudit.

        huggingface_hub fetches a registry of "agent harnesses" from the endpoint the first time
        it builds a User-Agent, with no deadline or size cap of ours: a hostile endpoint could hold
        the run there. sovaudit does not need that detection, so it is left disabled."""
        from huggingface_hub import HfApi

        _no_agent_registry()
        with self._lock:
            if self._apis.get(ep) is None:
                api = HfApi(endpoint=ep)
                self._apis[ep] = (api, api._build_hf_headers())
            return self._apis[ep]

    def _session(self) -> Any:
        """huggingface_hub's HTTP client set-up (its request hook: offline mode, request ids;
        redirects; proxies from the environment), without keep-alive: every request opens its own
        connection, so the deadline's watchdog always knows the socket to shut."""
        import httpx2
        from huggingface_hub.utils._http import hf_request_event_hook

        with self._lock:
            if self._http is None:
                self._http = httpx2.Client(event_hooks={"request": [hf_request_event_hook]}, follow_redirects=True,
                                           timeout=None, limits=httpx2.Limits(max_keepalive_connections=0))
            return self._http

    def _retry_after(self, resp: Any) -> float | None:
        """Seconds the Hub asks to wait (``Retry-After``: seconds or an HTTP date); ``backoff``
        when it does not say; None when it cannot be read."""
        ra = _retry_text(resp)
        if not ra:
            return self.backoff
        try:
            return max(0.0, float(ra))
        except ValueError:
            pass
        try:
            from email.utils import parsedate_to_datetime

            when = parsedate_to_datetime(ra)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


def _no_agent_registry() -> None:
    try:
        from huggingface_hub.utils import _detect_agent

        if getattr(_detect_agent, "_registry", None) is None:
            _detect_agent._registry = _detect_agent._EMPTY_REGISTRY
    except (ImportError, AttributeError):
        pass


def _retry_text(resp: Any) -> str:
    try:
        return str(resp.headers.get("Retry-After", "") or "")[:40] if resp is not None else ""
    except AttributeError:
        return ""


class _Watchdog:
    """Shuts the request's socket at the deadline, so that a read the server stalls (in the
    headers or the body) returns at once instead of after the per-read timeout. The socket comes
    from httpcore's trace of a new connection, or from the response once its headers are in."""

    def __init__(self, deadline: float):
        self.fired = False
        self.sock: Any = None
        self.lock = threading.Lock()
        self.timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def trace(self, name: str, info: dict) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._arm(info.get("return_value"))

    def watch(self, response: Any) -> None:
        try:
            self._arm(response.extensions["network_stream"])
        except (KeyError, AttributeError, TypeError):
            pass

    def _arm(self, stream: Any) -> None:
        try:
            sock = stream.get_extra_info("socket")
        except Exception:  # noqa: BLE001 -- a transport without one: the per-read timeout still holds
            return
        with self.lock:
            self.sock = sock
            fired = self.fired
        if fired:
            self._shut()

    def _fire(self) -> None:
        with self.lock:
            self.fired = True
        self._shut()

    def _shut(self) -> None:
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self.timer.cancel()
