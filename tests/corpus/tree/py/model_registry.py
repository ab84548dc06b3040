"""Which open-weight model serves which language / feature in the on-prem deployment.

Legal asked for one place that lists every model we run, with the lab that published it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    model_id: str
    lab: str
    languages: tuple[str, ...]
    gpus: int = 1


REGISTRY: dict[str, ModelSpec] = {
    "chat-de": ModelSpec(model_id="openGPT-X/Teuken-7B-instruct-commercial-v0.4", lab="OpenGPT-X", languages=("de",)),
    "chat-pl": ModelSpec(model_id="speakleash/Bielik-11B-v2.3-Instruct", lab="SpeakLeash", languages=("pl",)),
    "chat-multi": ModelSpec(model_id="CohereForAI/aya-expanse-8b", lab="Cohere For AI", languages=("de", "fr", "pl", "tr")),
    "chat-ko": ModelSpec(model_id="LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct", lab="LG AI Research", languages=("ko", "en")),
    "chat-ar": ModelSpec(model_id="tiiuae/Falcon3-7B-Instruct", lab="TII", languages=("ar", "en")),
    "chat-hi": ModelSpec(model_id="sarvamai/sarvam-1", lab="Sarvam AI", languages=("hi", "en")),
    "chat-zh": ModelSpec(model_id="baichuan-inc/Baichuan2-13B-Chat", lab="Baichuan", languages=("zh",)),
    "long-context": ModelSpec(model_id="MiniMaxAI/MiniMax-Text-01", lab="MiniMax", languages=("en", "zh"), gpus=8),
    "vision": ModelSpec(model_id="mistralai/Pixtral-12B-2409", lab="Mistral AI", languages=("en", "fr")),
    "rewards": ModelSpec(model_id="nvidia/Llama-3.1-Nemotron-70B-Reward-HF", lab="NVIDIA", languages=("en",), gpus=4),
    "code": ModelSpec(model_id="Qwen/Qwen2.5-Coder-7B-Instruct", lab="Alibaba Qwen", languages=("en",)),
    "ocr": ModelSpec(model_id="stepfun-ai/GOT-OCR2_0", lab="StepFun", languages=("en", "zh")),
}


def model_for(feature: str) -> str:
    return REGISTRY[feature].model_id
