"""Model loading helpers for the document-understanding service."""

from __future__ import annotations

import logging
import os

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BitsAndBytesConfig,
    pipeline,
)

log = logging.getLogger(__name__)

MODEL_ID = "Qwen/Qwen2.5-7B-Instruct"
CLASSIFIER_ID = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
LOCAL_CHECKPOINT = "./models/finetuned-qwen"  # produced by train_finetune.py


def load_chat_model(quantize: bool = True):
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16) if quantize else None
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
    model = AutoModelForCausalLM.from_pretrained(
        MODEL_ID,
        quantization_config=quant,
        device_map="auto",
        torch_dtype=torch.bfloat16,
    )
    return tokenizer, model


def load_finetuned():
    # the fine-tuned weights live on the shared volume, not on the Hub
    path = os.environ.get("CHECKPOINT_DIR", LOCAL_CHECKPOINT)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, device_map="auto")
    return tokenizer, model


def load_sentiment():
    tok = AutoTokenizer.from_pretrained(CLASSIFIER_ID)
    model = AutoModelForSequenceClassification.from_pretrained(CLASSIFIER_ID)
    return pipeline("text-classification", model=model, tokenizer=tok)


def load_ner():
    return pipeline("ner", model="dslim/bert-base-NER", aggregation_strategy="simple")


def load_zero_shot():
    return pipeline("zero-shot-classification", model="facebook/bart-large-mnli")


def load_legacy_tokenizer():
    # old canonical id without an organisation
    return AutoTokenizer.from_pretrained("bert-base-uncased")


def load_small_generator():
    return pipeline("text-generation", "gpt2")


def load_summarizer():
    # no model given: transformers picks its default for the task
    return pipeline("summarization")


def describe(model_name: str = "google/flan-t5-large") -> dict:
    cfg = AutoConfig.from_pretrained(model_name)
    log.info("loaded config for %s (torch.nn backend)", model_name)
    return {"model_type": cfg.model_type, "layers": getattr(cfg, "num_hidden_layers", None)}
