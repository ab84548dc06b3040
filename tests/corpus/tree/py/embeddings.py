"""Embedding and reranking for the knowledge-base search."""

from __future__ import annotations

from sentence_transformers import CrossEncoder, SentenceTransformer

EMBEDDING_MODEL = "intfloat/multilingual-e5-large"
RERANKER = "cross-encoder/ms-marco-MiniLM-L-6-v2"


class Retriever:
    def __init__(self, device: str = "cpu"):
        self.encoder = SentenceTransformer(EMBEDDING_MODEL, device=device)
        self.reranker = CrossEncoder(RERANKER, max_length=512, device=device)
        # a smaller model for the autocomplete box
        self.fast = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2", device=device)
        # the German legal corpus works better with a dedicated model
        self.legal = SentenceTransformer("deutsche-telekom/gbert-large-paraphrase-cosine", device=device)

    def embed(self, texts: list[str]):
        return self.encoder.encode(["passage: " + t for t in texts], normalize_embeddings=True)

    def rerank(self, query: str, docs: list[str], top_k: int = 5):
        scores = self.reranker.predict([(query, d) for d in docs])
        ranked = sorted(zip(docs, scores), key=lambda x: -x[1])
        return ranked[:top_k]


def multilingual_reranker() -> CrossEncoder:
    return CrossEncoder("BAAI/bge-reranker-v2-m3")


def jina_encoder() -> SentenceTransformer:
    return SentenceTransformer("jinaai/jina-embeddings-v3", trust_remote_code=True)
