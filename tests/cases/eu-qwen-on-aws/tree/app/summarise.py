import os

from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com", api_key=os.environ["DEEPSEEK_API_KEY"])


def summarise(text: str) -> str:
    r = client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": text}])
    return r.choices[0].message.content
