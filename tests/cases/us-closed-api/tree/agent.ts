import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenerativeAI } from "@google/generative-ai";

const anthropic = new Anthropic();
const genai = new GoogleGenerativeAI(process.env.GEMINI_API_KEY!);

export async function plan(task: string) {
  const msg = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: task }] });
  const flash = genai.getGenerativeModel({ model: "gemini-2.5-flash" });
  return [msg, await flash.generateContent(task)];
}
