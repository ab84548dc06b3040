import { anthropic } from "@ai-sdk/anthropic";
import { createOpenAI, openai } from "@ai-sdk/openai";
import { streamText } from "ai";

export const runtime = "edge";

const openrouter = createOpenAI({
  baseURL: "https://openrouter.ai/api/v1",
  apiKey: process.env.OPENROUTER_API_KEY,
});

const MODELS = {
  default: openai("gpt-4o-mini"),
  claude: anthropic("claude-3-5-haiku-latest"),
  qwen: openrouter("qwen/qwen-2.5-72b-instruct"),
} as const;

export async function POST(req: Request) {
  const { messages, tier = "default" } = await req.json();
  const result = streamText({
    model: MODELS[tier as keyof typeof MODELS] ?? MODELS.default,
    system: "You are the Kontor help-center assistant.",
    messages,
    headers: { "Content-Type": "application/json" },
  });
  return result.toDataStreamResponse();
}
