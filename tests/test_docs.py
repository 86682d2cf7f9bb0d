"""The manual (docs/, built by MkDocs) holds together: it builds in strict mode (a broken
link, a page missing from the nav or a nav entry with no page fails), every command it or
the README names exists, every exit code the tool can give is explained, and nothing in
it links outside the repository.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from followup_cal import errors
from followup_cal.cli import format_reference
from followup_cal.cli.base import cli

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
IDS = [p.relative_to(ROOT).as_posix() for p in PAGES]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The manual built once, strictly, as `make docs` builds it."""
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    return out


def test_the_manual_builds_in_strict_mode(site):
    assert (site / "troubleshooting.html").exists()
    # A page linking to a source file shows its path: the site carries no source.
    policy = (site / "policy.html").read_text("utf-8")
    assert "followup_cal/plan/policy.py" in policy
    assert 'href="../followup_cal' not in policy
    # The site loads and links nothing from outside itself (no web fonts, no footer link).
    for html in site.rglob("*.html"):
        outside = re.findall(r'(?:href|src)="(?:https?:)?//[^"]*"', html.read_text("utf-8"))
        assert outside == [], (html, outside)


def test_the_built_manual_reads_from_disk_in_chromium(site, browser):
    """Opened as files (`open site/index.html`), every link of the navigation leads to a
    page of the manual, not to a folder listing."""
    page = browser.new_page()
    page.goto((site / "index.html").as_uri())
    targets = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href]", "links => links.map(a => a.href)"
    )
    pages = sorted({t.split("#")[0] for t in targets if t.startswith("file:")})
    assert len(pages) >= len(yaml_nav_pages()), pages
    for url in pages:
        page.goto(url)
        assert page.locator("article h1").count() >= 1, url
        assert "Index of" not in page.title(), url
    page.close()


def yaml_nav_pages() -> list[str]:
    return re.findall(r":\s+([\w-]+\.md)$", (ROOT / "mkdocs.yml").read_text("utf-8"), re.M)


def test_a_link_to_a_missing_file_of_the_repository_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# x\n\nSee [the code](../followup_cal/nowhere.py).\n")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: x\nstrict: true\nhooks:\n  - {ROOT / 'docs' / 'hooks.py'}\n"
    )
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode != 0
    assert "index.md: link to a missing file ../followup_cal/nowhere.py" in built.stderr


COMMAND = re.compile(r"(?<![\w/.-])followup-cal ([a-z][a-z-]*)\b")
CODE = re.compile(r"^ *```.*?^ *```|`[^`\n]+`", re.MULTILINE | re.DOTALL)


def _commands() -> set[str]:
    import click

    return set(cli.list_commands(click.Context(cli)))


def test_the_command_check_sees_commands_in_code_only():
    text = "`followup-cal sync`, followup-cal took 2 s\n```sh\nfollowup-cal nosuch x\n```\n"
    code = " ".join(m[0] for m in CODE.finditer(text))
    assert {m[1] for m in COMMAND.finditer(code)} == {"sync", "nosuch"}


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_every_command_named_exists(page):
    code = " ".join(m[0] for m in CODE.finditer(page.read_text("utf-8")))
    named = {m[1] for m in COMMAND.finditer(code)}
    unknown = sorted(named - _commands())
    assert unknown == [], f"{page.name} names commands the tool does not have: {unknown}"


def _exit_codes() -> set[int]:
    classes = [c for c in vars(errors).values() if isinstance(c, type)]
    raised = {c.exit_code for c in classes if issubclass(c, errors.FollowupCalError)}
    return raised | {0, 2, 70, 130, 141}  # success, click's usage errors, a bug, signals


def test_troubleshooting_explains_every_exit_code():
    text = (ROOT / "docs" / "troubleshooting.md").read_text("utf-8")
    rows = {int(code) for code in re.findall(r"^\| (\d+) \|", text, re.MULTILINE)}
    assert rows == _exit_codes()


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_nothing_links_outside_the_repository(page):
    text = page.read_text("utf-8")
    outside = re.findall(r"\]\((?:[a-z]+:)?//[^)]*\)|<https?://[^>]*>", text)
    assert outside == []
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if target.startswith("mailto:"):
            continue
        resolved = (page.parent / target).resolve()
        assert resolved.is_relative_to(ROOT) and resolved.exists(), target


def test_the_key_reference_is_the_schemas_own():
    """docs/keys.md is generated (`make docs`): it must list what the schema has now."""
    page = (ROOT / "docs" / "keys.md").read_text("utf-8")
    assert page == format_reference.page(), "docs/keys.md is stale: run `make docs`"


def test_the_key_reference_lists_every_key_of_every_section():
    from followup_cal import schema

    built = schema.build_schema()
    page = format_reference.page()
    sections = page.split("\n## ")[1:]
    assert len(sections) == len(format_reference.SECTIONS)
    for section, (_title, name, _where) in zip(sections, format_reference.SECTIONS, strict=True):
        definition = built if name is None else built["$defs"][name]
        keys = re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)
        assert keys == list(definition["properties"]), name
        for key in definition.get("required", []):
            assert f"| `{key}` | yes |" in section
