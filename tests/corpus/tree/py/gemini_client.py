"""Gemini through the Google Gen AI SDK (AI Studio key) and through Vertex AI."""

from __future__ import annotations

import os

import google.generativeai as legacy_genai
import vertexai
from google import genai
from google.genai import types
from vertexai.generative_models import GenerativeModel

client = genai.Client(api_key=os.environ["GEMINI_API_KEY"])


def caption(image_bytes: bytes) -> str:
    resp = client.models.generate_content(
        model="gemini-2.0-flash",
        contents=[types.Part.from_bytes(data=image_bytes, mime_type="image/png"), "Describe this image."],
    )
    return resp.text


def embed(text: str) -> list[float]:
    resp = client.models.embed_content(model="text-embedding-004", contents=text)
    return resp.embeddings[0].values


def legacy_summary(text: str) -> str:
    legacy_genai.configure(api_key=os.environ["GEMINI_API_KEY"])
    model = legacy_genai.GenerativeModel("gemini-1.5-flash")
    return model.generate_content(f"Summarise:\n{text}").text


def vertex_summary(text: str) -> str:
    vertexai.init(project=os.environ["GCP_PROJECT"], location="europe-west4")
    model = GenerativeModel("gemini-1.5-pro-002")
    return model.generate_content(text).text
