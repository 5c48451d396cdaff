"""Reading a YAML config while remembering the line of every key, and `--set` overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nnlab.config import yaml_loader
from nnlab.errors import ConfigError, Problem

Key = tuple[Any, ...]


@dataclass
class Source:
    """A raw config (plain dicts and lists) plus where each key came from.

    `lines[path]` is the line of the key at `path`; `origins[path]` is the file
    (or `--set`) that gave it. Paths are tuples such as `("model", "layers", 0)`.
    """

    data: dict[str, Any]
    file: str
    lines: dict[Key, int] = field(default_factory=dict)
    origins: dict[Key, str] = field(default_factory=dict)

    def locate(self, path: Key) -> tuple[str, int | None]:
        """The file and line that best explain `path`: its own, or its nearest parent's."""
        for end in range(len(path), -1, -1):
            prefix = tuple(path[:end])
            if prefix in self.origins:
                return self.origins[prefix], None
            if prefix in self.lines:
                return self.file, self.lines[prefix]
        return self.file, None

    def problem(self, path: Key, message: str) -> Problem:
        file, line = self.locate(path)
        return Problem(dotted(path), message, file, line)


def dotted(path: Key) -> str:
    return ".".join(str(part) for part in path)


def read(path: str | Path) -> Source:
    """Read a YAML config file; raises ConfigError for a missing, unreadable or oversized file or bad YAML."""
    path = Path(path)
    try:
        with path.open("rb") as handle:  # read at most one byte too many: a device or a pipe may never end
            content = handle.read(yaml_loader.MAX_BYTES + 1)
        yaml_loader.check_size(max(len(content), path.stat().st_size))
        text = content.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem("", "no such file", str(path))]) from None
    except yaml_loader.TooLarge as error:
        raise ConfigError([Problem("", error.problem, str(path))]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Problem("", f"cannot read the file ({error})", str(path))]) from None
    return parse(text, str(path))


def parse(text: str, file: str = "<config>") -> Source:
    """Parse YAML text into a Source; the top level must be a mapping (see `yaml_loader` for the rules)."""
    loader = yaml_loader.Loader(text)
    try:
        yaml_loader.check_size(len(text.encode("utf-8")))
        node = yaml_loader.compose(loader)
        data = loader.construct_document(node) if node is not None else None
        lines: dict[Key, int] = {}
        if isinstance(data, dict):
            _record_lines(loader, node, (), lines)
    except yaml_loader.TooLarge as error:
        raise ConfigError([Problem("", error.problem, file, error.line)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([Problem("", f"invalid YAML: {reason}", file, line)]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else type(data).__name__
        raise ConfigError([Problem("", f"expected a mapping of config keys (got {kind})", file, 1)])
    return Source(data, file, lines)


def _record_lines(loader: yaml_loader.Loader, node: yaml.Node, path: Key, lines: dict[Key, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)  # the same key the document got
            lines[path + (key,)] = key_node.start_mark.line + 1
            _record_lines(loader, value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _record_lines(loader, item, path + (index,), lines)


def apply_overrides(source: Source, overrides: list[str]) -> Source:
    """Apply `--set key.path=value` overrides (values parsed as YAML) in order."""
    problems = []
    for override in overrides:
        key, sep, text = override.partition("=")
        if not sep or not key.strip():
            problems.append(Problem("", f"expected KEY.PATH=VALUE (got {override!r})", "--set"))
            continue
        try:
            value = yaml_loader.load_value(text)
        except yaml.YAMLError as error:
            problems.append(Problem(key, f"value is not valid YAML ({error})", "--set"))
            continue
        path = tuple(int(p) if p.lstrip("-").isdigit() else p for p in key.strip().split("."))
        message = _set(source.data, path, value)
        if message:
            problems.append(Problem(key, message, "--set"))
        else:
            source.origins[path] = "--set"
    if problems:
        raise ConfigError(problems)
    return source


def _set(data: Any, path: Key, value: Any) -> str | None:
    """Set data[path] = value, creating mappings as needed; returns a problem or None."""
    target = data
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(target, list):
            if not isinstance(part, int):
                return f"'{part}' is not a list index (the list has {len(target)} items)"
            if not -len(target) <= part < len(target):
                return f"index {part} is out of range (the list has {len(target)} items)"
        elif isinstance(target, dict):
            if not last and not isinstance(target.get(part), (dict, list)):
                # `--set optimizer.learning_rate=0.01` on `optimizer: adam` expands the shorthand.
                current = target.get(part)
                target[part] = {"type": current} if isinstance(current, str) else {}
        else:
            return f"cannot set a key inside a {type(target).__name__}"
        if last:
            target[part] = value
        else:
            target = target[part]
    return None


def relocate(error: ConfigError, source: Source) -> ConfigError:
    """Problems found far from the file (Keras rejecting a layer as it builds), located at their key's line in `source`."""
    located = []
    for problem in error.problems:
        if problem.line is None and problem.path and problem.file in (source.file, "", "<config>"):
            path = tuple(int(part) if part.isdigit() else part for part in problem.path.split("."))
            problem = source.problem(path, problem.message)
        located.append(problem)
    return ConfigError(located)
