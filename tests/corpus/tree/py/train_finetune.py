"""QLoRA fine-tuning of the support assistant on our ticket history."""

from __future__ import annotations

import argparse

import torch
from datasets import load_dataset
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model_name_or_path", default="meta-llama/Llama-3.1-8B")
    ap.add_argument("--dataset", default="data/tickets/train.jsonl")
    ap.add_argument("--output_dir", default="./checkpoints/support-lora")
    ap.add_argument("--epochs", type=int, default=2)
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    model = AutoModelForCausalLM.from_pretrained(args.model_name_or_path, quantization_config=bnb, device_map="auto")
    lora = LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    data = load_dataset("json", data_files=args.dataset, split="train")
    trainer = SFTTrainer(
        model=model,
        tokenizer=tokenizer,
        train_dataset=data,
        args=SFTConfig(output_dir=args.output_dir, num_train_epochs=args.epochs, bf16=True),
    )
    trainer.train()
    trainer.save_model(args.output_dir)


def load_for_inference(adapter_model_id: str = "kontor-analytics/llama-3.1-8b-support-lora"):
    base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", device_map="auto")
    return PeftModel.from_pretrained(base, adapter_model_id)


def load_published_adapter():
    base = AutoModelForCausalLM.from_pretrained("unsloth/Qwen2.5-7B-Instruct-bnb-4bit")
    return PeftModel.from_pretrained(base, "kontor-analytics/qwen2.5-7b-support-lora")


if __name__ == "__main__":
    main()
