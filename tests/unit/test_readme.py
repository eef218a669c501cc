"""The README is a true front door: its links lead to files of the repository, each service has its page
(naming every operation it publishes), and its Layout names real paths and every package."""
import re
from pathlib import Path

import pytest

from emall_ws.soap.app import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def links(document: Path) -> list[str]:
    text = document.read_text()
    return re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"<(\w+://[^>]+)>", text)


def anchors(document: Path) -> set[str]:
    """The fragments that lead to the document's headings, as GitHub spells them."""
    text = re.sub(r"^```.*?^```$", "", document.read_text(), flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#+ (.+)$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_link_is_a_file_of_the_repository(document):
    for target in links(document):
        assert "://" not in target, f"{target}: a link outside the repository"
        file, _, fragment = target.partition("#")
        path = (document.parent / file).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"{target}: no such file in the repository"
        assert not fragment or fragment in anchors(path), f"{target}: no such heading"


def test_each_service_has_its_page_linked_from_the_readme_naming_every_operation():
    readme_links = links(ROOT / "README.md")
    for spec in SERVICES:
        page = f"docs/services/{spec.name}.md"
        assert page in readme_links
        text = (ROOT / page).read_text()
        assert [op for op in spec.service_class.public_methods if f"`{op}" not in text] == [], page


def layout() -> list[tuple[Path, list[str]]]:
    """(path, the paths its description names inside it) for each line of the README's Layout."""
    section = (ROOT / "README.md").read_text().split("\n## Layout\n", 1)[1]
    block = re.search(r"^```\n(.*?)^```$", section, re.MULTILINE | re.DOTALL).group(1)
    lines = [line.split(maxsplit=1) for line in block.splitlines()]
    return [(ROOT / path, re.findall(r"(?<![\w/.])(\w+(?:\.py|/))(?!\w)", description)) for path, description in lines]


def test_the_layout_names_existing_paths():
    for path, inside in layout():
        assert path.exists(), path
        assert [name for name in inside if not (path / name).exists()] == [], path


def test_the_layout_names_every_package():
    named = {path for path, _ in layout()} | {path / name for path, inside in layout() for name in inside}
    packages = {init.parent for top in ("emall_ws", "adapters", "tests") for init in (ROOT / top).rglob("__init__.py")}
    assert {package for package in packages if package not in named} == set()
