// In-browser embeddings and sentiment with transformers.js (no server round trip).
import { pipeline, env } from "@huggingface/transformers";

env.allowLocalModels = false;

let extractor;
let sentiment;

export async function getExtractor() {
  extractor ??= await pipeline("feature-extraction", "Xenova/all-MiniLM-L6-v2");
  return extractor;
}

export async function getSentiment() {
  sentiment ??= await pipeline("sentiment-analysis", "Xenova/distilbert-base-uncased-finetuned-sst-2-english");
  return sentiment;
}

export async function getMultilingualExtractor() {
  return pipeline("feature-extraction", "Xenova/multilingual-e5-small", { dtype: "q8" });
}

export async function embed(texts) {
  const fx = await getExtractor();
  const out = await fx(texts, { pooling: "mean", normalize: true });
  return out.tolist();
}
