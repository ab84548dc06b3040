// Model catalogue shown in the admin UI. Values are sent to the gateway as-is.
export type ModelOption = { label: string; model: string; region: "eu" | "us" | "cn" };

export const MODEL_OPTIONS: ModelOption[] = [
  { label: "GPT-4o mini (fast)", model: "gpt-4o-mini", region: "us" },
  { label: "Claude 3.5 Sonnet", model: "claude-3-5-sonnet-20241022", region: "us" },
  { label: "Mistral Large", model: "mistral-large-latest", region: "eu" },
  { label: "DeepSeek V3", model: "deepseek-chat", region: "cn" },
  { label: "Qwen Max", model: "qwen-max", region: "cn" },
];

export const FALLBACK_MODEL: string = process.env.NEXT_PUBLIC_FALLBACK_MODEL || "mistral-small-latest";

export const PLACEHOLDER = { model: "your-model-name", hint: "e.g. <MODEL_ID>" };
