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

from groundwork.config.checks import raw_problems, scp_problems
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


_SHAPE_CACHE: dict[tuple, FoundationConfig | None] = {}


def load_config_shape(path: str | os.PathLike | None = None) -> FoundationConfig | None:
    """The config as far as a DAG's shape needs it, for DAG parsing: the schema (pydantic) only,
    without the line-numbered checks `load_config` adds; None when it does not load. Remembered per
    file version (path, size, mtime) in this process: two DAG files parsed by one process read it once.

    Never for acting: every run's `validate` task loads the config fully (`load_config`) and refuses
    it with every problem, and a run whose config no longer matches the DAG it was parsed into
    refuses to start (e.g. `promote_artifact`'s `targets`)."""
    file = config_path(path)
    try:
        stat = file.stat()
    except OSError:
        return None
    key = (str(file), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _SHAPE_CACHE:
        _SHAPE_CACHE.clear()  # one version per process: an edited file replaces the old one
        try:
            raw = yaml.load(file.read_bytes(), Loader=_LOADER)  # noqa: S506 (CSafeLoader/SafeLoader)
            _SHAPE_CACHE[key] = FoundationConfig.model_validate(raw) if isinstance(raw, dict) else None
        except (yaml.YAMLError, ValidationError, ValueError, UnicodeDecodeError):
            _SHAPE_CACHE[key] = None
    return _SHAPE_CACHE[key]


# Bounds on the parsed tree, checked before anything walks it: YAML aliases can make a small file
# expand into billions of nodes, and deep nesting would exhaust the recursion of every later walk.
# A 10,000-account config has ~200,000 nodes and is 6 levels deep (policy documents go ~10 deeper).
MAX_NODES = 2_000_000
MAX_DEPTH = 64


def parse_config(text: str, file: str = "<config>") -> FoundationConfig:
    try:
        loader = _LOADER(text)
        try:
            tree = loader.get_single_node()  # parsed once: the nodes give line numbers, then the data
            _check_shape(tree, file, has_aliases="*" in text)
            raw = loader.construct_document(tree) if tree is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(file, [Problem("", f"not valid YAML: {exc}", mark.line + 1 if mark else None)]) from None
    if not isinstance(raw, dict):
        raise ConfigError(file, [Problem("", "the config must be a mapping with an 'organization' section", 1)])
    lines: dict | None = None

    def line_of(loc: tuple) -> int | None:  # the line index is built only when there is a problem to place
        nonlocal lines
        if lines is None:
            lines = _line_index(tree)
        return _line_for(lines, loc)

    not_json = [Problem(_dotted(loc), message, line_of(loc)) for loc, message in _non_json(raw)]
    if not_json:
        raise ConfigError(file, not_json)

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
            found.setdefault((loc, message), Problem(_dotted(loc), message, line_of(loc)))
    inline_locs = {loc for loc, message in found if "inline" in message}
    for loc, message in raw_problems(raw):
        if loc in inline_locs and "inline" in message:
            continue  # the schema already said so for this field
        found.setdefault((loc, message), Problem(_dotted(loc), message, line_of(loc)))
    for loc, message in scp_problems(raw):
        found.setdefault((loc, message), Problem(_dotted(loc), message, line_of(loc)))
    if found:
        problems = sorted(found.values(), key=lambda p: (p.line or 10**9, p.location, p.message))
        raise ConfigError(file, problems)
    return config


def _read(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(str(file), [Problem("", f"cannot read the config: {exc.strerror}")]) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(str(file), [Problem("", "the file is UTF-16; save it as UTF-8")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(str(file), [Problem("", f"not a UTF-8 text file (byte {exc.start}); is it the right file?")]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ConfigError(str(file), [Problem("", "the file holds a NUL byte; a config is plain text", line)])
    return text


def _check_shape(root, file: str, has_aliases: bool = True) -> None:
    """Refuse, before anything else walks it, a tree that aliases expand beyond MAX_NODES, that
    nests deeper than MAX_DEPTH or that refers to itself. Iterative; with aliases each distinct
    node is sized once, so a billion-laughs file is refused in milliseconds."""
    if root is None:
        return
    mapping, sequence = yaml.MappingNode, yaml.SequenceNode

    def children(node):
        if node.__class__ is mapping:
            return [part for pair in node.value for part in pair]
        return node.value if node.__class__ is sequence else ()

    def refuse(node, message):
        raise ConfigError(file, [Problem("", message, node.start_mark.line + 1)])

    if not has_aliases:  # a tree: depth only
        stack = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                refuse(node, f"nested over {MAX_DEPTH} levels deep; a config is not that deep")
            kids = children(node)
            if kids:
                stack.extend((kid, depth + 1) for kid in kids)
        return
    memo: dict[int, tuple[int, int]] = {}  # node id -> (expanded size, depth)
    open_nodes: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            kids = [memo[id(k)] for k in children(node)]
            size, depth = 1 + sum(k[0] for k in kids), 1 + max((k[1] for k in kids), default=0)
            memo[key] = (size, depth)
            if size > MAX_NODES:
                refuse(node, f"YAML aliases here expand to over {MAX_NODES:,} nodes; write the values out "
                             "(or use fewer aliases)")
            if depth > MAX_DEPTH:
                refuse(node, f"nested over {MAX_DEPTH} levels deep; a config is not that deep")
            continue
        if key in memo:
            continue
        if key in open_nodes:
            refuse(node, "a YAML alias refers to the node that contains it")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in children(node) if id(kid) not in memo)


def _non_json(raw) -> list[tuple[tuple, str]]:
    """Values a JSON/YAML config cannot mean: YAML dates, sets, binary, and mapping keys that are
    not strings (in a policy document they would be silently turned into something else)."""
    found, seen, stack = [], set(), [((), raw)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict | list):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    found.append((loc, f"the key {key!r} is a YAML {type(key).__name__}, not text; quote it"))
                    continue
                stack.append((loc + (key,), item))
        elif isinstance(value, list):
            stack.extend((loc + (i,), item) for i, item in enumerate(value))
        elif not (value is None or isinstance(value, str | int | float)):
            kind = {"date": "date", "datetime": "date and time", "set": "set", "bytes": "binary value"}.get(
                type(value).__name__, type(value).__name__)
            found.append((loc, f"this is a YAML {kind}, which the config does not take; quote it to write text"))
    return sorted(found)


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_index(root) -> dict[tuple, int]:
    """Location -> line: a mapping key's line for the key's location, else the node's first line."""
    index: dict[tuple, int] = {}
    stack = [((), root)] if root is not None else []
    while stack:
        path, node = stack.pop()
        index.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                index.setdefault(child, key.start_mark.line + 1)
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((path + (i,), item) for i, item in enumerate(node.value))
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
