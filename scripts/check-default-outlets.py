#!/usr/bin/env python3
"""Validate roundup's default outlet list (data/default-outlets.toml).

Checks, for every [[outlet]] entry:
  * required keys are present, are non-empty strings, and no unknown keys are used;
  * `lean` and `section` take values from the allowed sets;
  * `region` is "us", "uk", "global" or a lowercase two-letter country code;
  * `language` looks like a BCP-47 tag ("en", "pt-BR");
  * `homepage` and `feed_url` are absolute http(s) URLs that parse;
  * the entry's block carries a `# lean:` comment naming the rating source;
and, for the file as a whole:
  * at least --min-entries entries;
  * no duplicate names (case-insensitive) and no duplicate feed URLs (ignoring scheme,
    host case and a trailing slash);
  * at least --min-leans distinct leans and --min-regions distinct regions;
  * at least --min-per-side entries on each side (left+center-left / center /
    center-right+right).

Exit status: 0 when the file passes, 1 when it does not (each problem is printed, naming the
entry), 2 when the file cannot be read or parsed.

Usage:
  scripts/check-default-outlets.py [PATH] [--min-entries N] [--min-leans N]
                                   [--min-regions N] [--min-per-side N]
  scripts/check-default-outlets.py --self-test

Python 3.11+ standard library only (tomllib).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

LEANS = ("left", "center-left", "center", "center-right", "right")
SIDE_OF_LEAN = {
    "left": "left",
    "center-left": "left",
    "center": "center",
    "center-right": "right",
    "right": "right",
}
SECTIONS = (
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "sports",
    "culture",
    "opinion",
    "local",
)
REQUIRED_KEYS = ("name", "homepage", "feed_url", "lean", "region", "language", "section")
OPTIONAL_KEYS = {"paused": bool}
SPECIAL_REGIONS = ("us", "uk", "global")
REGION_RE = re.compile(r"^[a-z]{2}$")
# Primary language subtag, then optional script / region / variant subtags.
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?(-([A-Z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$")
LEAN_COMMENT_RE = re.compile(r"^\s*#\s*lean\s*:\s*\S", re.IGNORECASE)
OUTLET_HEADER_RE = re.compile(r"^\s*\[\[\s*outlet\s*\]\]\s*(#.*)?$")

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "default-outlets.toml"


class ParseFailure(Exception):
    """The file could not be read or is not valid TOML of the expected shape."""


def describe(index: int, entry: object) -> str:
    """A label naming an entry in messages: its 1-based position and its name when known."""
    name = entry.get("name") if isinstance(entry, dict) else None
    if isinstance(name, str) and name.strip():
        return f"entry #{index} ({name!r})"
    return f"entry #{index}"


def url_problem(value: str) -> str | None:
    """Why `value` is not an absolute http(s) URL, or None when it is one."""
    if value != value.strip() or any(c.isspace() for c in value):
        return "contains whitespace"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError as err:
        return f"does not parse ({err})"
    del port
    if parts.scheme not in ("http", "https"):
        return f"scheme must be http or https, got {parts.scheme or 'none'!r}"
    if not parts.hostname:
        return "has no host"
    host = parts.hostname
    if "." not in host and host != "localhost":
        return f"host {host!r} is not a domain name"
    if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        return f"host {host!r} has invalid characters"
    return None


def feed_key(url: str) -> str:
    """A normalized form of a feed URL for duplicate detection."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/") or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def name_key(name: str) -> str:
    """A normalized form of an outlet name for duplicate detection."""
    return " ".join(name.casefold().split())


def block_comment_flags(text: str) -> list[bool]:
    """For each [[outlet]] header in `text`, in order: does its block carry a `# lean:` comment?

    A block runs from its header to the next table header of any kind. The comment may sit
    anywhere inside the block.
    """
    flags: list[bool] = []
    in_outlet = False
    for line in text.splitlines():
        stripped = line.strip()
        if OUTLET_HEADER_RE.match(line):
            flags.append(False)
            in_outlet = True
            continue
        if stripped.startswith("["):
            in_outlet = False
            continue
        if in_outlet and LEAN_COMMENT_RE.match(line):
            flags[-1] = True
    return flags


def load(path: Path) -> tuple[list, list[bool]]:
    """Read and parse the file; return its outlet entries and per-block lean-comment flags."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ParseFailure(f"cannot read {path}: {err}") from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ParseFailure(f"{path} is not UTF-8: {err}") from err
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ParseFailure(f"{path} is not valid TOML: {err}") from err
    unknown_top = sorted(k for k in doc if k != "outlet")
    if unknown_top:
        raise ParseFailure(f"{path}: unexpected top-level keys {unknown_top}; only [[outlet]] tables are allowed")
    outlets = doc.get("outlet")
    if outlets is None:
        raise ParseFailure(f"{path}: no [[outlet]] entries found")
    if not isinstance(outlets, list):
        raise ParseFailure(f"{path}: `outlet` must be an array of tables ([[outlet]])")
    return outlets, block_comment_flags(text)


def check_entry(index: int, entry: object, has_comment: bool | None) -> list[str]:
    """Problems with one entry (empty when it is fine)."""
    label = describe(index, entry)
    if not isinstance(entry, dict):
        return [f"{label}: must be a table"]
    problems: list[str] = []
    for key in REQUIRED_KEYS:
        if key not in entry:
            problems.append(f"{label}: missing required key `{key}`")
        elif not isinstance(entry[key], str):
            problems.append(f"{label}: `{key}` must be a string, got {type(entry[key]).__name__}")
        elif not entry[key].strip():
            problems.append(f"{label}: `{key}` is empty")
    for key, value in entry.items():
        if key in REQUIRED_KEYS:
            continue
        if key in OPTIONAL_KEYS:
            if not isinstance(value, OPTIONAL_KEYS[key]):
                problems.append(f"{label}: `{key}` must be a {OPTIONAL_KEYS[key].__name__}")
            continue
        problems.append(f"{label}: unknown key `{key}`")

    def text(key: str) -> str | None:
        value = entry.get(key)
        return value if isinstance(value, str) and value.strip() else None

    lean = text("lean")
    if lean is not None and lean not in LEANS:
        problems.append(f"{label}: lean {lean!r} is not one of {', '.join(LEANS)}")
    section = text("section")
    if section is not None and section not in SECTIONS:
        problems.append(f"{label}: section {section!r} is not one of {', '.join(SECTIONS)}")
    region = text("region")
    if region is not None and region not in SPECIAL_REGIONS and not REGION_RE.match(region):
        problems.append(
            f"{label}: region {region!r} must be us, uk, global or a lowercase two-letter country code"
        )
    language = text("language")
    if language is not None and not LANGUAGE_RE.match(language):
        problems.append(f"{label}: language {language!r} is not a BCP-47 tag such as en or pt-BR")
    for key in ("homepage", "feed_url"):
        value = text(key)
        if value is not None:
            why = url_problem(value)
            if why:
                problems.append(f"{label}: {key} {value!r} {why}")
    if has_comment is False:
        problems.append(f"{label}: block has no `# lean: <rating source>` comment")
    return problems


def check(
    path: Path,
    min_entries: int = 80,
    min_leans: int = 3,
    min_regions: int = 6,
    min_per_side: int = 15,
) -> tuple[list[str], dict]:
    """Validate the file at `path`. Returns (problems, summary). Raises ParseFailure."""
    outlets, comment_flags = load(path)
    problems: list[str] = []
    if len(comment_flags) != len(outlets):
        # Inline-table arrays (outlet = [{...}]) have no [[outlet]] headers to attach comments to.
        problems.append(
            f"found {len(outlets)} outlet entries but {len(comment_flags)} [[outlet]] headers; "
            "write each entry as its own [[outlet]] table"
        )
        comment_flags_for: list[bool | None] = [None] * len(outlets)
    else:
        comment_flags_for = list(comment_flags)

    seen_names: dict[str, int] = {}
    seen_feeds: dict[str, int] = {}
    leans: dict[str, int] = {}
    regions: dict[str, int] = {}
    sides = {"left": 0, "center": 0, "right": 0}
    for i, entry in enumerate(outlets, start=1):
        problems.extend(check_entry(i, entry, comment_flags_for[i - 1]))
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            key = name_key(name)
            if key in seen_names:
                problems.append(
                    f"{describe(i, entry)}: duplicate name (same as entry #{seen_names[key]})"
                )
            else:
                seen_names[key] = i
        feed = entry.get("feed_url")
        if isinstance(feed, str) and feed.strip() and url_problem(feed) is None:
            key = feed_key(feed)
            if key in seen_feeds:
                problems.append(
                    f"{describe(i, entry)}: duplicate feed_url {feed!r} (same as entry #{seen_feeds[key]})"
                )
            else:
                seen_feeds[key] = i
        lean = entry.get("lean")
        if lean in SIDE_OF_LEAN:
            leans[lean] = leans.get(lean, 0) + 1
            sides[SIDE_OF_LEAN[lean]] += 1
        region = entry.get("region")
        if isinstance(region, str) and region.strip():
            regions[region] = regions.get(region, 0) + 1

    if len(outlets) < min_entries:
        problems.append(f"only {len(outlets)} entries; at least {min_entries} are required")
    if len(leans) < min_leans:
        problems.append(f"only {len(leans)} distinct leans ({sorted(leans)}); at least {min_leans} are required")
    if len(regions) < min_regions:
        problems.append(
            f"only {len(regions)} distinct regions ({sorted(regions)}); at least {min_regions} are required"
        )
    for side, count in sides.items():
        if count < min_per_side:
            problems.append(
                f"only {count} entries on the {side} side; at least {min_per_side} are required"
            )
    summary = {"entries": len(outlets), "leans": leans, "sides": sides, "regions": regions}
    return problems, summary


# ───────────────────────────────────────── self-test ─────────────────────────────────────────

_GOOD_BLOCK = """
[[outlet]]
# lean: AllSides "Center" (test)
name = "{name}"
homepage = "https://{host}/"
feed_url = "https://{host}/feed.xml"
lean = "{lean}"
region = "{region}"
language = "en"
section = "world"
"""


def _good_file(count: int = 9) -> str:
    leans = ["left", "center", "right"]
    regions = ["us", "uk", "global", "ca", "au", "in"]
    return "".join(
        _GOOD_BLOCK.format(
            name=f"Outlet {i}",
            host=f"outlet{i}.example.com",
            lean=leans[i % 3],
            region=regions[i % 6],
        )
        for i in range(count)
    )


def self_test() -> int:
    """Run the checker against synthetic files; return 0 when every case behaves as expected."""
    limits = {"min_entries": 9, "min_leans": 3, "min_regions": 6, "min_per_side": 3}
    good = _good_file()
    cases: list[tuple[str, str, str | None]] = [
        ("valid file", good, None),
        ("bad lean", good.replace('lean = "left"', 'lean = "far-left"', 1), "lean 'far-left'"),
        ("bad section", good.replace('section = "world"', 'section = "weather"', 1), "section 'weather'"),
        ("missing key", good.replace('language = "en"\n', "", 1), "missing required key `language`"),
        ("unknown key", good.replace('section = "world"', 'section = "world"\nbias = "x"', 1), "unknown key `bias`"),
        ("ftp url", good.replace("https://outlet0.example.com/feed.xml", "ftp://outlet0.example.com/f", 1), "scheme must be http"),
        ("no host", good.replace("https://outlet0.example.com/feed.xml", "https:///feed.xml", 1), "has no host"),
        ("bad port", good.replace("https://outlet0.example.com/feed.xml", "https://outlet0.example.com:99x/", 1), "does not parse"),
        ("duplicate name", good.replace('name = "Outlet 1"', 'name = "outlet  0"', 1), "duplicate name"),
        (
            "duplicate feed",
            good.replace("https://outlet1.example.com/feed.xml", "http://www.outlet0.example.com/feed.xml/", 1),
            "duplicate feed_url",
        ),
        ("bad region", good.replace('region = "us"', 'region = "USA"', 1), "region 'USA'"),
        ("bad language", good.replace('language = "en"', 'language = "english"', 1), "language 'english'"),
        ("missing lean comment", good.replace('# lean: AllSides "Center" (test)\n', "", 1), "no `# lean:"),
        ("too few entries", _good_file(8), "at least 9 are required"),
        ("too few leans", good.replace('lean = "right"', 'lean = "center"'), "distinct leans"),
        ("too few regions", good.replace('region = "in"', 'region = "us"'), "distinct regions"),
        ("one-sided", good.replace('lean = "left"', 'lean = "center-left"').replace('lean = "right"', 'lean = "left"'), "right side"),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, text, expected in cases:
            path = Path(tmp) / "outlets.toml"
            path.write_text(text, encoding="utf-8")
            problems, _ = check(path, **limits)
            if expected is None:
                ok = not problems
            else:
                ok = any(expected in p for p in problems)
            if not ok:
                failures += 1
                print(f"self-test FAILED: {label}: expected {expected!r}, got {problems}", file=sys.stderr)
        for label, text in (("invalid toml", "[[outlet]\nname = 1"), ("no outlets", "title = 'x'\n")):
            path = Path(tmp) / "outlets.toml"
            path.write_text(text, encoding="utf-8")
            try:
                check(path, **limits)
            except ParseFailure:
                continue
            failures += 1
            print(f"self-test FAILED: {label}: expected a parse failure", file=sys.stderr)
    total = len(cases) + 2
    print(f"self-test: {total - failures}/{total} cases passed")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Validate roundup's default outlet list.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH, help="TOML file to check")
    parser.add_argument("--min-entries", type=int, default=80)
    parser.add_argument("--min-leans", type=int, default=3)
    parser.add_argument("--min-regions", type=int, default=6)
    parser.add_argument("--min-per-side", type=int, default=15)
    parser.add_argument("--self-test", action="store_true", help="test the checker itself and exit")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    try:
        problems, summary = check(
            args.path,
            min_entries=args.min_entries,
            min_leans=args.min_leans,
            min_regions=args.min_regions,
            min_per_side=args.min_per_side,
        )
    except ParseFailure as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(f"{args.path}: {problem}", file=sys.stderr)
        print(f"{args.path}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    leans = ", ".join(f"{lean} {summary['leans'].get(lean, 0)}" for lean in LEANS)
    sides = ", ".join(f"{side} {n}" for side, n in summary["sides"].items())
    print(
        f"{args.path}: OK — {summary['entries']} outlets; leans: {leans}; "
        f"sides: {sides}; {len(summary['regions'])} regions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
