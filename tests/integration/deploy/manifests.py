"""Readers for the deployment files, so tests can hold them against the code: compose, Dockerfile, nginx.

Each reader understands just enough of its format for the checks in
``test_compose.py``: compose through PyYAML (merge keys included), the
Dockerfile by stage (``FROM … AS name``: ``ENV``, ``EXPOSE``, ``USER``,
``RUN``, ``CMD``), nginx.conf as a tree of directives and blocks.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
NGINX = REPO / "deploy" / "nginx" / "nginx.conf"
PROMETHEUS = REPO / "deploy" / "prometheus" / "prometheus-compose.yml"
HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)")


def load_compose() -> dict[str, Any]:
    """docker-compose.yml as plain data (YAML anchors and ``<<`` merges resolved)."""
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def load_yaml(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def health_url(service: dict[str, Any]) -> tuple[int, str]:
    """(port, path) of the URL a compose healthcheck probes on its own container."""
    test = " ".join(service["healthcheck"]["test"])
    found = HEALTH_URL.search(test)
    if found is None:
        raise AssertionError(f"healthcheck probes no http://127.0.0.1:PORT/PATH URL: {test}")
    return int(found.group(1)), found.group(2)


@dataclass
class Stage:
    """One ``FROM … AS name`` stage of the Dockerfile."""

    name: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    expose: list[int] = field(default_factory=list)
    user: str | None = None
    runs: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)


def dockerfile_stages() -> dict[str, Stage]:
    """The Dockerfile's stages by name; a stage built ``FROM`` another inherits its ENV and USER."""
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for instruction, argument in _instructions(DOCKERFILE.read_text()):
        if instruction == "FROM":
            base, _, name = argument.partition(" AS ")
            current = Stage(name.strip() or base.strip(), base.strip())
            parent = stages.get(current.base)
            if parent is not None:
                current.env, current.user = dict(parent.env), parent.user
            stages[current.name] = current
        elif current is None:
            raise AssertionError(f"{instruction} before the first FROM in {DOCKERFILE}")
        elif instruction == "ENV":
            current.env.update(pair.split("=", 1) for pair in shlex.split(argument))  # type: ignore[misc]
        elif instruction == "EXPOSE":
            current.expose += [int(port.split("/")[0]) for port in argument.split()]
        elif instruction == "USER":
            current.user = argument.strip()
        elif instruction == "RUN":
            current.runs.append(argument)
        elif instruction in ("CMD", "ENTRYPOINT"):
            words = json.loads(argument)
            setattr(current, instruction.lower(), words)
    return stages


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    lines = (line.strip() for line in joined.splitlines())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


@dataclass
class Directive:
    """One nginx directive: its name, arguments and, for a block, the directives inside."""

    name: str
    args: list[str]
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        """Every directive called ``name`` at any depth below this one."""
        found = [child for child in self.children if child.name == name]
        for child in self.children:
            found += child.all(name)
        return found

    def first(self, name: str) -> Directive:
        matches = [child for child in self.children if child.name == name]
        if not matches:
            raise AssertionError(f"no '{name}' in '{self.name} {' '.join(self.args)}'")
        return matches[0]


def nginx_config() -> Directive:
    """nginx.conf as a tree (the root is a pseudo-directive holding the top level)."""
    tokens = re.findall(r"\"[^\"]*\"|'[^']*'|[{};]|[^\s{};]+", re.sub(r"#[^\n]*", "", NGINX.read_text()))
    root = Directive("(root)", [])
    stack = [root]
    words: list[str] = []
    for token in tokens:
        if token == ";":
            stack[-1].children.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            stack.pop()
        else:
            words.append(token.strip("\"'"))
    return root
