"""Semantic search over the document archive with BGE-M3 embeddings (in-process)."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
from sentence_transformers import SentenceTransformer


@lru_cache(maxsize=1)
def _model() -> SentenceTransformer:
    return SentenceTransformer(os.getenv("EMBEDDING_MODEL", "BAAI/bge-m3"), device="cpu")


def embed(texts: list[str]) -> np.ndarray:
    return _model().encode(texts, normalize_embeddings=True, batch_size=16)


def top_k(query: str, doc_vectors: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    q = embed([query])[0]
    scores = doc_vectors @ q
    idx = np.argsort(-scores)[:k]
    return [(int(i), float(scores[i])) for i in idx]
