"""Nightly batch job: extract invoice fields with a local vLLM engine."""

import json
import sys

from vllm import LLM, SamplingParams
from vllm.lora.request import LoRARequest

llm = LLM(
    model="meta-llama/Llama-3.1-8B-Instruct",
    tensor_parallel_size=1,
    max_model_len=8192,
    enable_lora=True,
    gpu_memory_utilization=0.9,
)
params = SamplingParams(temperature=0.0, max_tokens=512)
invoice_lora = LoRARequest("invoice-adapter", 1, "/mnt/adapters/invoice-lora")

PROMPT = "Extract supplier, date, total and VAT id as JSON from this invoice:\n\n{doc}"


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        docs = [json.loads(line)["text"] for line in fh]
    outputs = llm.generate([PROMPT.format(doc=d) for d in docs], params, lora_request=invoice_lora)
    for out in outputs:
        print(out.outputs[0].text)


def judge() -> LLM:
    """A second engine for LLM-as-judge evaluation of the extractions."""
    return LLM(model="Qwen/Qwen2.5-14B-Instruct-AWQ", quantization="awq", max_model_len=4096)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/invoices.jsonl")
