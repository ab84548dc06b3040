const { ChatOpenAI, OpenAIEmbeddings } = require("@langchain/openai");
const { ChatAnthropic } = require("@langchain/anthropic");
const { ChatMistralAI } = require("@langchain/mistralai");
const { ChatPromptTemplate } = require("@langchain/core/prompts");
const { StringOutputParser } = require("@langchain/core/output_parsers");

const fast = new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 });
const careful = new ChatAnthropic({ model: "claude-3-5-haiku-20241022", temperature: 0 });
const european = new ChatMistralAI({ model: "mistral-small-latest" });
const legacy = new ChatOpenAI({ modelName: "gpt-3.5-turbo", maxTokens: 256 });
const embeddings = new OpenAIEmbeddings({ model: "text-embedding-3-small" });

const prompt = ChatPromptTemplate.fromMessages([
  ["system", "Answer in the user's language. Product: {product}"],
  ["human", "{question}"],
]);

async function answer(question, { tier = "fast", product = "Kontor Cloud" } = {}) {
  const llm = { fast, careful, european, legacy }[tier];
  return prompt.pipe(llm).pipe(new StringOutputParser()).invoke({ question, product });
}

module.exports = { answer, embeddings };
