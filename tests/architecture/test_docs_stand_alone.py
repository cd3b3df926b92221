"""The repository stands alone: no tracked text points at files outside it, and the docs' links resolve.

A reader with only this repository must be able to follow every reference. So no tracked file may name a
machine path, a sibling checkout, or a design document kept outside the repository, and every relative link
in the Markdown docs must lead to a file that exists inside the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()  # it has to spell the patterns out

# Each pattern names a place outside the repository. Case-sensitive on purpose: `docs/api.md` and
# `docs/architecture.md` are ours; the upper-case design documents and the stack notes are kept elsewhere.
# Their names are assembled here so that this file does not itself name them.
_SIBLING = "../" + "shared"
_NOTES = "STACK" + "-NOTES"
OUTWARD = {
    "a sibling folder of the checkout": re.compile(re.escape(_SIBLING) + r"\b"),
    "a machine path": re.compile(r"(?<![\w.])/(?:work|root|home|Users)/"),
    "a design document outside the repository": re.compile(r"\b(?:API|ARCHITECTURE)\.md\b|\b" + _NOTES + r"\b"),
}

# [text](target) and [label]: target, outside fenced code blocks.
INLINE_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    return [name for name in out.decode().split("\0") if name]


def tracked_text() -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file():  # deleted in the worktree, not yet committed
            continue
        raw = path.read_bytes()
        if b"\0" in raw:
            continue
        try:
            texts[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def markdown_docs() -> dict[str, str]:
    return {
        name: text
        for name, text in tracked_text().items()
        if name.endswith(".md") and (name.startswith("docs/") or name == "README.md")
    }


def test_there_is_something_to_check() -> None:
    texts = tracked_text()
    assert "README.md" in texts and any(name.startswith("src/") for name in texts)
    assert markdown_docs(), "no Markdown under docs/"


def test_no_tracked_text_points_outside_the_repository() -> None:
    offenders = [
        f"{name}:{number}: {why}: {line.strip()[:120]}"
        for name, text in tracked_text().items()
        if name != THIS_FILE
        for number, line in enumerate(text.splitlines(), start=1)
        for why, pattern in OUTWARD.items()
        if pattern.search(line)
    ]
    assert not offenders, "text pointing outside the repository:\n" + "\n".join(offenders)


def link_targets(text: str) -> list[str]:
    prose = FENCE.sub("", text)
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)


def test_relative_links_in_the_docs_lead_to_files_of_the_repository() -> None:
    broken: list[str] = []
    checked = 0
    for name, text in markdown_docs().items():
        folder = (ROOT / name).parent
        for target in link_targets(text):
            if SCHEME.match(target) or target.startswith("#"):
                continue  # a web address, or an anchor in the same page
            path_part = target.split("#", 1)[0].split("?", 1)[0]
            resolved = (ROOT / path_part.lstrip("/")) if path_part.startswith("/") else (folder / path_part)
            resolved = resolved.resolve()
            checked += 1
            if not resolved.is_relative_to(ROOT):
                broken.append(f"{name}: {target} leaves the repository")
            elif not resolved.exists():
                broken.append(f"{name}: {target} does not exist")
    assert checked, "no relative link found in the docs: the link pattern is wrong"
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_link_pattern_finds_links_and_skips_code() -> None:
    sample = 'See [the API](api.md#errors "title") and [decisions][d].\n\n[d]: decisions/realtime.md\n'
    sample += "```\n[not](a-link.md)\n```\n"
    assert link_targets(sample) == ["api.md#errors", "decisions/realtime.md"]


def test_the_outward_patterns_catch_what_they_are_for() -> None:
    caught = [f"see {_SIBLING}/x", "/" + "work/main/.venv/bin/python", f"({_NOTES})", "per " + "API" + ".md"]
    caught.append("/home/u/x")
    kept = ["docs/api.md", "docs/architecture.md", "POST .../orders/{id}", "store.write('../escape.csv')"]
    assert all(any(p.search(s) for p in OUTWARD.values()) for s in caught)
    assert not any(p.search(s) for p in OUTWARD.values() for s in kept)
