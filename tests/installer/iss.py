"""A reader for the parts of Inno Setup scripts the installer uses, so tests can check entries.

[Setup] lines are `Key=Value`; the other sections hold entries of `Name: value; Name: value`
parameters, where a value in double quotes doubles its inner quotes. `#define NAME "text"`
(or a `+` of quoted texts and earlier names) is expanded where `{#NAME}` appears. Lines inside
`#if` blocks are read as if the condition held; `[Code]` is kept as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DEFINE = re.compile(r"#define\s+(\w+)\s+(.+)")
SECTION = re.compile(r"\[(\w+)\]")


class IssError(ValueError):
    """The script is not in the shape this reader understands; the message names the line."""


@dataclass
class Script:
    defines: dict[str, str] = field(default_factory=dict)
    setup: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    code: str = ""

    def entries(self, section: str) -> list[dict[str, str]]:
        return self.sections.get(section, [])


def _define_value(expression: str, defines: dict[str, str], where: str) -> str:
    parts = []
    for token in (item.strip() for item in expression.split("+")):
        if token.startswith('"') and token.endswith('"'):
            parts.append(token[1:-1])
        elif token in defines:
            parts.append(defines[token])
        else:
            raise IssError(f"{where}: cannot read define value {token!r}")
    return "".join(parts)


def _expand(text: str, defines: dict[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in defines:
            raise IssError(f"{where}: {{#{name}}} is not defined")
        return defines[name]

    return re.sub(r"\{#(\w+)\}", replace, text)


def _split_parameters(line: str, where: str) -> list[str]:
    """Split on `;` outside double quotes."""
    parts, current, quoted = [], [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise IssError(f"{where}: unbalanced quotes")
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


def _entry(line: str, where: str) -> dict[str, str]:
    entry = {}
    for part in _split_parameters(line, where):
        name, colon, value = part.partition(":")
        if not colon:
            raise IssError(f"{where}: {part!r} is not `Name: value`")
        entry[name.strip()] = _unquote(value.strip())
    return entry


def _read_line(script: Script, section: str, line: str, where: str) -> None:
    if section == "Setup":
        key, equals, value = line.partition("=")
        if not equals:
            raise IssError(f"{where}: [Setup] line without `=`")
        script.setup[key.strip()] = value.strip()
    else:
        script.sections.setdefault(section, []).append(_entry(line, where))


def read_script(path: Path) -> Script:
    text = path.read_bytes().decode("utf-8-sig")
    script = Script()
    section = ""
    code: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{path.name}:{number}"
        line = raw.strip()
        found = SECTION.fullmatch(line)
        if found:
            section = found.group(1)
            continue
        if section == "Code":
            code.append(raw)
            continue
        if not line or line.startswith(";"):
            continue
        define = DEFINE.match(line)
        if define:
            name, value = define.groups()
            script.defines.setdefault(name, _define_value(value, script.defines, where))
            continue
        if line.startswith("#"):  # #if / #ifndef / #endif: read the block as if it held
            continue
        if not section:
            raise IssError(f"{where}: text before the first section")
        _read_line(script, section, _expand(line, script.defines, where), where)
    script.code = "\n".join(code)
    return script
