#!/usr/bin/env bash
# Start the model servers on a single GPU box (dev and staging).
set -euo pipefail

MODEL="${MODEL:-Qwen/Qwen2.5-7B-Instruct}"
DRAFT_MODEL=Qwen/Qwen2.5-0.5B-Instruct
PORT=${PORT:-8000}

echo "pre-fetching weights to ${HF_HOME:-~/.cache/huggingface}"
huggingface-cli download "$MODEL" --exclude "*.pth"
huggingface-cli download meta-llama/Llama-3.2-3B-Instruct --local-dir ./models/llama-3.2-3b

# main chat model
vllm serve "$MODEL" \
  --port "$PORT" \
  --served-model-name chat \
  --speculative-model "$DRAFT_MODEL" --num-speculative-tokens 5 \
  --max-model-len 16384 &

# small model for classification, on the same GPU
vllm serve meta-llama/Llama-3.2-3B-Instruct --port 8001 --gpu-memory-utilization 0.25 &

# legacy entrypoint, still used by the batch cluster
python -m vllm.entrypoints.openai.api_server --model deepseek-ai/DeepSeek-R1-Distill-Llama-8B --port 8002 &

# TGI for the code assistant
text-generation-launcher --model-id bigcode/starcoder2-7b --port 8003 &

# Ollama for the embedding model
ollama pull nomic-embed-text
ollama run llama3.2 "warm up" >/dev/null

wait
