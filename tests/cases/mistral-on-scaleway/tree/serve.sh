#!/bin/sh
# serve Mistral's open weights on the GPU instance
vllm serve mistralai/Mistral-7B-Instruct-v0.3 --host 0.0.0.0 --port 8000
