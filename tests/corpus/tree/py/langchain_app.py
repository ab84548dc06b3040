"""LangChain chains for the customer-support assistant."""

from __future__ import annotations

import os

from langchain_anthropic import ChatAnthropic
from langchain_community.chat_models.tongyi import ChatTongyi
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_huggingface import HuggingFaceEndpoint
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

prompt = ChatPromptTemplate.from_messages(
    [("system", "You are a friendly support agent for {product}."), ("human", "{question}")]
)

fast_llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
smart_llm = ChatAnthropic(model="claude-3-5-sonnet-20241022", max_tokens=1024)
reasoner = ChatOpenAI(
    model="deepseek-reasoner",
    base_url="https://api.deepseek.com",
    api_key=os.environ["DEEPSEEK_API_KEY"],
)
china_llm = ChatTongyi(model="qwen-max")
local_llm = ChatOllama(model="llama3.1:8b", base_url="http://ollama:11434")
hf_llm = HuggingFaceEndpoint(repo_id="HuggingFaceH4/zephyr-7b-beta", max_new_tokens=512)

embeddings = OpenAIEmbeddings(model="text-embedding-3-large", dimensions=1024)

chain = prompt | fast_llm | StrOutputParser()


def pick_llm(tier: str):
    return {"fast": fast_llm, "smart": smart_llm, "reasoning": reasoner, "cn": china_llm, "local": local_llm}[tier]


def answer(question: str, product: str = "Kontor Cloud", tier: str = "fast") -> str:
    return (prompt | pick_llm(tier) | StrOutputParser()).invoke({"question": question, "product": product})
