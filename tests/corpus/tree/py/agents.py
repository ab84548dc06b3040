"""Research agents: OpenAI Agents SDK for the web agent, smolagents for the code agent."""

from __future__ import annotations

from agents import Agent, Runner, WebSearchTool
from smolagents import CodeAgent, HfApiModel, LiteLLMModel

researcher = Agent(
    name="researcher",
    instructions="Find recent public sources and cite them.",
    model="gpt-4.1",
    tools=[WebSearchTool()],
)

writer = Agent(
    name="writer",
    instructions="Turn the researcher's notes into a two-page brief.",
    model="o3-mini",
    handoffs=[researcher],
)

code_model = HfApiModel(model_id="Qwen/Qwen2.5-Coder-32B-Instruct")
fallback_model = LiteLLMModel(model_id="anthropic/claude-3-5-sonnet-latest", temperature=0.2)

coder = CodeAgent(tools=[], model=code_model, additional_authorized_imports=["pandas", "numpy"])


def brief(topic: str) -> str:
    return Runner.run_sync(writer, topic).final_output


def analyse(question: str) -> str:
    return coder.run(question)
