"""Local assistant for the field laptops, backed by Ollama."""

import ollama

client = ollama.Client(host="http://localhost:11434")


def ensure_models() -> None:
    ollama.pull("qwen2.5:7b")
    ollama.pull("nomic-embed-text")


def chat(question: str) -> str:
    resp = ollama.chat(model="qwen2.5:7b", messages=[{"role": "user", "content": question}])
    return resp["message"]["content"]


def code_help(snippet: str) -> str:
    resp = client.generate(model="qwen2.5-coder:14b", prompt=f"Explain this code:\n{snippet}")
    return resp["response"]


def embed(text: str) -> list[float]:
    return ollama.embeddings(model="nomic-embed-text", prompt=text)["embedding"]


def vision(path: str) -> str:
    resp = ollama.chat(
        model="llama3.2-vision",
        messages=[{"role": "user", "content": "What is in this picture?", "images": [path]}],
    )
    return resp["message"]["content"]
