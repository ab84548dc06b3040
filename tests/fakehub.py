"""A fake Hugging Face Hub on 127.0.0.1 for tests and benchmarks.

It answers ``GET /api/models/<repo_id>`` in the shape of the real API (the fields sovaudit reads:
id, author, sha, tags, cardData, gated, pipeline_tag, safetensors, library_name) and misbehaves on
purpose for some repos: gated 401/403, 404, 429 with Retry-After, 500, a response slower than the
client's timeout, malformed JSON. The real ``huggingface_hub`` client talks to it via HF_ENDPOINT.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def card(repo_id: str, author: str, license: str = "", base: str | list[str] = "", rel: str = "finetune",
         gated: bool | str = False, pipeline: str = "text-generation", params: int = 0, extra_tags=()) -> dict:
    bases = [base] if isinstance(base, str) and base else list(base or [])
    tags = [f"license:{license}"] if license else []
    tags += [f"base_model:{rel}:{b}" for b in bases] + [f"base_model:{b}" for b in bases] + list(extra_tags)
    data = {
        "_id": f"id-{repo_id}", "id": repo_id, "modelId": repo_id, "author": author,
        "sha": hashlib.sha1(repo_id.encode()).hexdigest(), "private": False, "gated": gated, "disabled": False,
        "tags": tags, "pipeline_tag": pipeline, "library_name": "transformers",
        "cardData": {k: v for k, v in {"license": license, "base_model": base or None}.items() if v},
    }
    if params:
        data["safetensors"] = {"parameters": {"BF16": params}, "total": params}
    return data


#: 26+ models: roots from several countries, cross-border fine-tunes, quantizations, adapters,
#: a merge, a distillation, renamed namespaces, and repos that misbehave.
MODELS: dict[str, dict] = {m["id"]: m for m in [
    card("Qwen/Qwen2.5-7B", "Qwen", "apache-2.0", params=7_615_616_512),
    card("Qwen/Qwen2.5-7B-Instruct", "Qwen", "apache-2.0", "Qwen/Qwen2.5-7B", params=7_615_616_512),
    card("Qwen/Qwen2.5-72B-Instruct", "Qwen", "qwen", "Qwen/Qwen2.5-72B", params=72_706_203_648),
    card("Qwen/Qwen2.5-72B", "Qwen", "qwen", params=72_706_203_648),
    card("nvidia/OpenReasoning-Qwen-7B", "nvidia", "apache-2.0", "Qwen/Qwen2.5-7B-Instruct"),
    card("unsloth/OpenReasoning-Qwen-7B-GGUF", "unsloth", "apache-2.0", "nvidia/OpenReasoning-Qwen-7B", rel="quantized"),
    card("bartowski/OpenReasoning-Qwen-7B-GGUF", "bartowski", "apache-2.0", "nvidia/OpenReasoning-Qwen-7B", rel="quantized"),
    card("unsloth/Qwen2.5-7B-Instruct-bnb-4bit", "unsloth", "apache-2.0", "Qwen/Qwen2.5-7B-Instruct", rel="quantized"),
    card("meta-llama/Llama-3.1-8B", "meta-llama", "llama3.1", gated="manual", params=8_030_261_248),
    card("meta-llama/Llama-3.1-8B-Instruct", "meta-llama", "llama3.1", "meta-llama/Llama-3.1-8B", gated="manual"),
    card("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "deepseek-ai", "mit", "meta-llama/Llama-3.1-8B", rel="distillation"),
    card("deepseek-ai/DeepSeek-V3", "deepseek-ai", "deepseek"),
    card("mistralai/Mistral-7B-v0.3", "mistralai", "apache-2.0"),
    card("mistralai/Mistral-7B-Instruct-v0.3", "mistralai", "apache-2.0", "mistralai/Mistral-7B-v0.3"),
    card("utter-project/EuroLLM-9B", "utter-project", "apache-2.0"),
    card("utter-project/EuroLLM-9B-Instruct", "utter-project", "apache-2.0", "utter-project/EuroLLM-9B"),
    card("CohereForAI/aya-expanse-8b", "CohereForAI", "cc-by-nc-4.0", pipeline="text-generation"),
    card("BAAI/bge-m3", "BAAI", "mit", pipeline="sentence-similarity"),
    card("sentence-transformers/all-MiniLM-L6-v2", "sentence-transformers", "apache-2.0", pipeline="sentence-similarity"),
    card("someone/qwen-support-lora", "someone", "apache-2.0", "Qwen/Qwen2.5-7B-Instruct", rel="adapter"),
    card("mergekit-community/qwen-llama-merge", "mergekit-community", "other",
         ["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"], rel="merge"),
    card("randomuser/qwen2.5-support-bot", "randomuser", "apache-2.0"),
    card("randomuser/mystery-model", "randomuser"),
    dict(card("conflicted/model", "conflicted", "mit"), tags=["license:apache-2.0"]),  # card and tags disagree
    card("cycle/a", "cycle", "mit", "cycle/b"),
    card("cycle/b", "cycle", "mit", "cycle/a"),
    card("ratelimited/model", "ratelimited", "mit"),
    card("google/gemma-2-9b", "google", "gemma", gated="manual"),
]}


@dataclass
class Behaviour:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    delay: float = 0.0
    times: int = 0  # misbehave this many times, then answer normally (0 = always)
    trickle: float = 0.0  # send the body one byte every ``trickle`` seconds
    size: int = 0  # send a body of this many bytes (streamed, never built whole), declared or not
    declare: bool = True  # send Content-Length (False: a chunked answer of unknown length)
    head: bool = False  # with ``trickle``: trickle an endless header line instead of the body


BEHAVIOURS: dict[str, Behaviour] = {
    "meta-llama/Llama-3.2-90B-Vision": Behaviour(403, {"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to model is restricted"}, b'{"error":"gated"}'),
    "private-org/secret-model": Behaviour(401, {"X-Error-Code": "RepoNotFound"}, b'{"error":"Repository not found"}'),
    "nobody/does-not-exist": Behaviour(404, {"X-Error-Code": "RepoNotFound"}, b'{"error":"Repository not found"}'),
    "ratelimited/model": Behaviour(429, {"Retry-After": "1"}, b'{"error":"rate limited"}', times=1),
    "broken/model": Behaviour(500, {}, b'{"error":"internal"}'),
    "flaky/model": Behaviour(503, {}, b'{"error":"unavailable"}', times=1),
    "slow/model": Behaviour(200, {}, None, delay=3.0),
    "malformed/model": Behaviour(200, {}, b'{"id": "malformed/model", "tags": [unterminated'),
}
MODELS["flaky/model"] = card("flaky/model", "flaky", "mit")
MODELS["slow/model"] = card("slow/model", "slow", "mit")


class FakeHub:
    """Start with ``FakeHub().start()``; ``url`` is the endpoint; ``requests`` counts by repo."""

    def __init__(self, latency: float = 0.0, models: dict | None = None, behaviours: dict | None = None,
                 generate=None):
        self.latency = latency
        self.generate = generate  # repo id -> model dict or None: models made up on request (fan-out)
        self.models = dict(MODELS if models is None else models)
        self.behaviours = dict(BEHAVIOURS if behaviours is None else behaviours)
        self.requests: dict[str, int] = {}
        self.auth_headers: list[str] = []
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _answered(self) -> None:
                """The request stops counting as in flight once its answer starts: a client that
                opens a new connection per request may send the next one before this handler
                thread has returned."""
                if getattr(self, "_counted", False):
                    self._counted = False
                    with hub.lock:
                        hub.inflight -= 1

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self._answered()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                path = unquote(urlsplit(self.path).path)
                if not path.startswith("/api/models/"):
                    return self._send(404, b'{"error":"not found"}')
                repo = path[len("/api/models/"):]
                if "/revision/" in repo:
                    repo = repo.split("/revision/", 1)[0]
                with hub.lock:
                    n = hub.requests.get(repo, 0) + 1
                    hub.requests[repo] = n
                    hub.inflight += 1
                    hub.max_inflight = max(hub.max_inflight, hub.inflight)
                    if self.headers.get("Authorization"):
                        hub.auth_headers.append(self.headers["Authorization"])
                self._counted = True
                try:
                    self._answer(repo, n)
                finally:
                    self._answered()

            def _stream(self, b: Behaviour) -> None:
                """A hostile body: trickled byte by byte, or ``size`` bytes of a JSON string."""
                self._answered()
                body = b.body if b.body is not None else b""
                total = b.size or len(body)
                if b.head:
                    try:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Pad: ")
                        for _ in range(100_000):
                            self.wfile.write(b"a")
                            self.wfile.flush()
                            time.sleep(b.trickle)
                    except (BrokenPipeError, ConnectionResetError, OSError):
                        pass
                    self.close_connection = True
                    return
                try:
                    self.send_response(b.status)
                    self.send_header("Content-Type", "application/json")
                    if b.declare:
                        self.send_header("Content-Length", str(total))
                    else:
                        self.send_header("Connection", "close")
                    for k, v in b.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if b.trickle:
                        for i in range(total):
                            self.wfile.write(body[i:i + 1] if i < len(body) else b" ")
                            self.wfile.flush()
                            time.sleep(b.trickle)
                        return
                    head = b'{"id": "x", "pad": "'
                    self.wfile.write(head)
                    sent, block = len(head), b"a" * 65536
                    while sent < total - 2:
                        n = min(len(block), total - 2 - sent)
                        self.wfile.write(block[:n])
                        sent += n
                    self.wfile.write(b'"}')
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass
                finally:
                    if not b.declare:
                        self.close_connection = True

            def _answer(self, repo: str, n: int) -> None:
                if hub.latency:
                    time.sleep(hub.latency)
                b = hub.behaviours.get(repo)
                if b is not None and (b.times == 0 or n <= b.times):
                    if b.delay:
                        time.sleep(b.delay)
                    if b.trickle or b.size:
                        return self._stream(b)
                    if b.body is not None or b.status != 200:
                        return self._send(b.status, b.body or b"{}", b.headers)
                model = hub.models.get(repo)
                if model is None and hub.generate is not None:
                    model = hub.generate(repo)
                if model is None:
                    return self._send(404, b'{"error":"Repository not found"}', {"X-Error-Code": "RepoNotFound"})
                return self._send(200, json.dumps(model).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
