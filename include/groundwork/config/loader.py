"""Load the foundation YAML and report every problem in it at once.

`load_config()` either returns a valid `FoundationConfig` or raises `ConfigError` listing every
problem (file, line, field, why): schema errors from pydantic and cross-section checks together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from groundwork.config.checks import model_problems, raw_problems
from groundwork.config.models import FoundationConfig

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_CONFIG = REPO_ROOT / "config" / "foundation.yaml"


@dataclass(frozen=True, order=True)
class Problem:
    location: str
    message: str
    line: int | None = None

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: {self.location or '(top level)'}: {self.message}"


class ConfigError(Exception):
    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        lines = [f"{file} has {len(problems)} problem(s); nothing was applied:"]
        lines += [f"  - {p.render(file)}" for p in problems]
        super().__init__("\n".join(lines))


# libyaml's loader when PyYAML was built with it (same nodes and line marks, ~10x faster: the
# config is read at every DAG parse and by every task, and grows with the number of accounts)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def config_path(path: str | os.PathLike | None = None) -> Path:
    """The config file: the argument, else $FOUNDATION_CONFIG, else config/foundation.yaml."""
    chosen = path or os.environ.get("FOUNDATION_CONFIG") or DEFAULT_CONFIG
    chosen = Path(chosen)
    return chosen if chosen.is_absolute() else (Path.cwd() / chosen)


def load_config(path: str | os.PathLike | None = None) -> FoundationConfig:
    file = config_path(path)
    text = _read(file)
    return parse_config(text, str(file))


def parse_config(text: str, file: str = "<config>") -> FoundationConfig:
    try:
        loader = _LOADER(text)
        try:
            tree = loader.get_single_node()  # parsed once: the nodes give line numbers, then the data
            raw = loader.construct_document(tree) if tree is not None else None
        finally:
            loader.dispose()
        lines = _line_index(tree)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(file, [Problem("", f"not valid YAML: {exc}", mark.line + 1 if mark else None)]) from None
    if not isinstance(raw, dict):
        raise ConfigError(file, [Problem("", "the config must be a mapping with an 'organization' section", 1)])

    found: dict[tuple, Problem] = {}
    for loc, line in _repeated_keys(tree):
        message = "this key is repeated in its mapping; YAML would silently keep only the last one"
        found[(loc, message)] = Problem(_dotted(loc), message, line)
    config = None
    try:
        config = FoundationConfig.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            found.setdefault((loc, message), Problem(_dotted(loc), message, _line_for(lines, loc)))
    inline_locs = {loc for loc, message in found if "inline" in message}
    for loc, message in raw_problems(raw):
        if loc in inline_locs and "inline" in message:
            continue  # the schema already said so for this field
        found.setdefault((loc, message), Problem(_dotted(loc), message, _line_for(lines, loc)))
    if config is not None and not found:
        for loc, message in model_problems(config):
            found.setdefault((loc, message), Problem(_dotted(loc), message, _line_for(lines, loc)))
    if found:
        problems = sorted(found.values(), key=lambda p: (p.line or 10**9, p.location, p.message))
        raise ConfigError(file, problems)
    return config


def _read(file: Path) -> str:
    try:
        return file.read_text()
    except OSError as exc:
        raise ConfigError(str(file), [Problem("", f"cannot read the config: {exc.strerror}")]) from None


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_index(node, path=()) -> dict[tuple, int]:
    index = {path: node.start_mark.line + 1} if node is not None else {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = path + (key.value,)
            index[child] = key.start_mark.line + 1
            index.update({k: v for k, v in _line_index(value, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index.update(_line_index(item, path + (i,)))
    return index


def _repeated_keys(node, path=()):
    """(location, line) of every repeated mapping key: PyYAML keeps the last value without a word."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if key.value in seen and key.value != "<<":
                yield path + (key.value,), key.start_mark.line + 1
            seen.add(key.value)
            yield from _repeated_keys(value, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _repeated_keys(item, path + (i,))


def _line_for(index: dict[tuple, int], loc: tuple) -> int | None:
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
    while loc:
        if loc in index:
            return index[loc]
        loc = loc[:-1]
    return None
