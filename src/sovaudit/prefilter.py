"""A cheap first look before the expensive parsers.

Most files in a real monorepo name no model, endpoint, cloud or accelerator. Before a detector that
parses (Python ``ast``, the JS tokenizer, YAML with marks, Markdown dispatch, shell) runs on a file,
the scanner checks that the text contains at least one word any of them keys on: the detectors'
own vocabulary (below) plus every name the knowledge base knows (SDK packages and their import
names, client classes, environment variables, serving commands). A file without any of them cannot
yield a reference from those detectors; ``tests/test_prefilter.py`` checks that the labelled corpus
and the examples give identical results with and without it.
"""

from __future__ import annotations

import re

import ahocorasick_rs

from sovaudit.rules import KnowledgeBase

#: Words the parsing detectors key on (positions, not facts): loader and client vocabulary.
CODE_WORDS = (
    "model", "pretrained", "repo_id", "checkpoint", "base_url", "api_base", "baseurl", "basepath", "endpoint",
    "://", "huggingface", "hf.co", "pipeline", "embedding", "encoder", "transformer", "llm", "completion",
    "generat", "diffus", "hf_hub", "snapshot_download", "deployment", "inference", "ollama", "vllm", "serve",
    "sovaudit", "api_key", "apikey", "token", "credential", "bedrock", "vertex", "sagemaker", "gpu", "cuda",
    "nvidia", "instance_type", "region_name", "weights", "gguf",
)
#: Further words of manifests (Kubernetes, compose, Helm, CI, LiteLLM).
CONFIG_WORDS = CODE_WORDS + (
    "image", "resources", "nodeselector", "affinity", "storageuri", "region", "zone", "instance-type",
    "command", "args", "run:", "script", "env", "litellm", "tolerations", "accelerator",
)


def _kb_words(kb: KnowledgeBase) -> set[str]:
    words: set[str] = set()
    for section in ("providers", "software", "hardware"):
        for e in kb.section(section):
            for key in ("python_packages", "npm_packages"):
                for p in e.get(key, []):
                    words.add(p.lower())
                    words.add(re.sub(r"[-.]", "_", p.lower()).split("[", 1)[0])
            for key in ("python_clients", "js_clients", "env_vars", "k8s_resources"):
                words.update(v.lower() for v in e.get(key, []))
            for cmd in e.get("commands", []):
                words.add(cmd.split()[0].lower())
    return {w for w in words if len(w) >= 3}


_AUTOMATA: dict[frozenset[str], ahocorasick_rs.AhoCorasick] = {}


def _automaton(words: set[str]) -> ahocorasick_rs.AhoCorasick:
    # a DFA: the largest automaton to build (a few ms, about 2 MB for ~700 words) and the fastest
    # to run -- this pass reads every byte of every file the detectors could parse. One per word
    # set, so that every Prefilter of a knowledge base shares it (and its matches, see below).
    key = frozenset(words)
    auto = _AUTOMATA.get(key)
    if auto is None:
        if len(_AUTOMATA) >= 8:
            _AUTOMATA.clear()
        auto = _AUTOMATA[key] = ahocorasick_rs.AhoCorasick(sorted(words), implementation=ahocorasick_rs.Implementation.DFA)
    return auto


#: The last text looked at: (text, text.lower(), [(automaton, its matches in it), ...]). The scanner's
#: check and the Python detector's hit lines (its own ``Prefilter``) read the same file one after
#: the other: one lower-cased copy and one pass per automaton serve both. Holding ``text`` keeps its
#: identity from being reused, so ``is`` tells the same text; one tuple, swapped whole.
_LAST: tuple = (None, "", [])


def _lowered_matches(auto: ahocorasick_rs.AhoCorasick, text: str) -> tuple[str, list]:
    global _LAST
    last = _LAST
    if last[0] is not text:
        last = _LAST = (text, text.lower(), [])
    low, found = last[1], last[2]
    for a, matches in found:
        if a is auto:
            return low, matches
    matches = auto.find_matches_as_indexes(low)
    found.append((auto, matches))
    return low, matches


class Prefilter:
    """One Aho-Corasick pass (ahocorasick_rs, in Rust) over the lower-cased text per vocabulary."""

    def __init__(self, kb: KnowledgeBase):
        extra = _kb_words(kb)
        self._code = _automaton(set(CODE_WORDS) | extra)
        self._config = _automaton(set(CONFIG_WORDS) | extra)

    def hit_lines(self, kind: str, text: str) -> set[int]:
        """The 1-based lines that hold at least one word of the vocabulary. (Matches do not
        overlap; a word hidden under another match is on that match's line, since no word holds a
        line break.)"""
        # line breaks stay where they are in ``low``; offsets below are into it
        low, matches = _lowered_matches(self._config if kind == "config" else self._code, text)
        lines: set[int] = set()
        pos, line = 0, 1
        for _word, start, _end in matches:  # in increasing order
            line += low.count("\n", pos, start)
            pos = start
            lines.add(line)
        return lines

    def worth_parsing(self, kind: str, text: str) -> bool:
        """``kind`` is the detector's ``prefilter`` value: "code" or "config"."""
        return bool(_lowered_matches(self._config if kind == "config" else self._code, text)[1])

    @staticmethod
    def lower(text: str) -> str:
        """``text.lower()``, shared with the checks on the same text."""
        if _LAST[0] is text:
            return _LAST[1]
        return text.lower()
