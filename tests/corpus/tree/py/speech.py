"""Meeting transcription: local Whisper for on-prem customers, the OpenAI API for the SaaS tier."""

from __future__ import annotations

import torch
from openai import OpenAI
from transformers import AutoModelForSpeechSeq2Seq, AutoProcessor, pipeline

ASR_CHECKPOINT = "openai/whisper-large-v3"


def local_asr():
    processor = AutoProcessor.from_pretrained(ASR_CHECKPOINT)
    model = AutoModelForSpeechSeq2Seq.from_pretrained(ASR_CHECKPOINT, torch_dtype=torch.float16)
    return pipeline(
        "automatic-speech-recognition",
        model=model,
        tokenizer=processor.tokenizer,
        feature_extractor=processor.feature_extractor,
        device="cuda:0",
    )


def diarization_free_asr():
    return pipeline("automatic-speech-recognition", model="distil-whisper/distil-large-v3")


def api_transcribe(path: str) -> str:
    client = OpenAI()
    with open(path, "rb") as fh:
        return client.audio.transcriptions.create(model="whisper-1", file=fh).text


def tts(text: str, out: str = "out/speech.mp3") -> None:
    client = OpenAI()
    client.audio.speech.create(model="tts-1", voice="alloy", input=text).stream_to_file(out)
