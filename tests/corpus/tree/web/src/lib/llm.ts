import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

// Two OpenAI SDK clients: the default one talks to OpenAI, the other to DeepSeek.
const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });
const deepseek = new OpenAI({
  baseURL: "https://api.deepseek.com",
  apiKey: process.env.DEEPSEEK_API_KEY,
});
const anthropic = new Anthropic();

export const DEFAULT_MODEL = process.env.LLM_MODEL ?? "gpt-4o-mini";

export async function complete(prompt: string, model: string = DEFAULT_MODEL): Promise<string> {
  const res = await openai.chat.completions.create({
    model,
    messages: [{ role: "user", content: prompt }],
  });
  return res.choices[0].message.content ?? "";
}

export async function draftWithDeepSeek(prompt: string): Promise<string> {
  const res = await deepseek.chat.completions.create({
    model: "deepseek-chat",
    messages: [{ role: "user", content: prompt }],
    temperature: 0.7,
  });
  return res.choices[0].message.content ?? "";
}

export async function critique(text: string): Promise<string> {
  const msg = await anthropic.messages.create({
    model: "claude-3-5-sonnet-20241022",
    max_tokens: 1024,
    messages: [{ role: "user", content: `Critique this draft:\n\n${text}` }],
  });
  const block = msg.content[0];
  return block.type === "text" ? block.text : "";
}

export async function embed(input: string[]): Promise<number[][]> {
  const res = await openai.embeddings.create({ model: "text-embedding-3-small", input });
  return res.data.map((d) => d.embedding);
}

export function logUsage(res: { model: string; usage?: { total_tokens: number } }): void {
  // res.model is whatever the API answered with
  console.info(`[llm] ${res.model} used ${res.usage?.total_tokens ?? 0} tokens`);
}
