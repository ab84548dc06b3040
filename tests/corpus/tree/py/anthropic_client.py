"""Claude for contract review: direct API in dev, Bedrock and Vertex in production."""

from __future__ import annotations

import os

from anthropic import Anthropic, AnthropicBedrock, AnthropicVertex

DEFAULT_MAX_TOKENS = 2048


def review_contract(text: str) -> str:
    client = Anthropic()
    msg = client.messages.create(
        model="claude-3-5-sonnet-20241022",
        max_tokens=DEFAULT_MAX_TOKENS,
        system="You review supplier contracts for GDPR clauses.",
        messages=[{"role": "user", "content": text}],
    )
    return msg.content[0].text


def quick_label(text: str) -> str:
    client = Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])
    msg = client.messages.create(
        model="claude-3-5-haiku-20241022",
        max_tokens=64,
        messages=[{"role": "user", "content": f"One-word topic label for: {text}"}],
    )
    return msg.content[0].text.strip()


def review_on_bedrock(text: str) -> str:
    client = AnthropicBedrock(aws_region="eu-central-1")
    msg = client.messages.create(
        model="eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        max_tokens=DEFAULT_MAX_TOKENS,
        messages=[{"role": "user", "content": text}],
    )
    return msg.content[0].text


def review_on_vertex(text: str) -> str:
    client = AnthropicVertex(region="europe-west1", project_id=os.environ["GCP_PROJECT"])
    msg = client.messages.create(
        model="claude-3-5-sonnet-v2@20241022",
        max_tokens=DEFAULT_MAX_TOKENS,
        messages=[{"role": "user", "content": text}],
    )
    return msg.content[0].text
