"""RAG over the policy handbook with LlamaIndex."""

from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.postprocessor import SentenceTransformerRerank
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from llama_index.llms.ollama import Ollama
from llama_index.llms.openai import OpenAI

Settings.embed_model = HuggingFaceEmbedding(model_name="BAAI/bge-small-en-v1.5")
Settings.chunk_size = 512

USE_LOCAL = True

if USE_LOCAL:
    Settings.llm = Ollama(model="mistral", request_timeout=120.0)
else:
    Settings.llm = OpenAI(model="gpt-4o", temperature=0.1)

rerank = SentenceTransformerRerank(model="cross-encoder/ms-marco-MiniLM-L-12-v2", top_n=4)


def build_index(folder: str = "data/handbook"):
    docs = SimpleDirectoryReader(folder, required_exts=[".pdf", ".md"]).load_data()
    return VectorStoreIndex.from_documents(docs)


def query(index, question: str) -> str:
    engine = index.as_query_engine(similarity_top_k=10, node_postprocessors=[rerank])
    return str(engine.query(question))
