"""HTTP API of kontor-insights."""

from __future__ import annotations

import numpy as np
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from service.classify import classify_ticket
from service.search import embed, top_k
from service.summarize import summarize

app = FastAPI(title="kontor-insights", version="1.4.0")

_DOCS: list[str] = []
_VECTORS: np.ndarray | None = None


class SummaryRequest(BaseModel):
    text: str
    max_tokens: int = 512


class Ticket(BaseModel):
    subject: str
    body: str


class Documents(BaseModel):
    texts: list[str]


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/v1/summaries")
def create_summary(req: SummaryRequest) -> dict:
    return {"summary": summarize(req.text, req.max_tokens)}


@app.post("/v1/tickets/triage")
def triage(ticket: Ticket) -> dict:
    return classify_ticket(ticket.subject, ticket.body)


@app.post("/v1/documents")
def index_documents(docs: Documents) -> dict:
    global _VECTORS
    _DOCS.extend(docs.texts)
    _VECTORS = embed(_DOCS)
    return {"indexed": len(_DOCS)}


@app.get("/v1/search")
def search(q: str, k: int = 5) -> dict:
    if _VECTORS is None:
        raise HTTPException(status_code=409, detail="no documents indexed")
    return {"hits": [{"text": _DOCS[i], "score": s} for i, s in top_k(q, _VECTORS, k)]}
