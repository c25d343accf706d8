"""Step 3b: the document as Markdown, the same content as the HTML, with tables instead of charts."""

from __future__ import annotations

import re

from admin.report.document import Bullets, Document, Heading, Paragraph, Quotes, Table


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


_MARKUP = re.compile(r"([\\`*_\[\]<>#|~!])")


def _md_untrusted(text: str) -> str:
    """Residents' own words: nothing in them may become Markdown or HTML markup."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split())).replace("&", "&amp;")


def _md_table(table: Table, caption: bool = True) -> list[str]:
    lines = [f"*{_md(table.caption)}*", ""] if caption else []
    lines.append("| " + " | ".join(_md(h) for h in table.header) + " |")
    lines.append("|" + "|".join("---:" if kind != "text" else "---" for kind in table.kinds) + "|")
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in table.rows]
    return [*lines, ""]


def to_markdown(document: Document) -> str:
    """The same content as the HTML, with tables instead of charts."""
    lines = [f"# {document.title}", "", f"{document.kicker}  ", document.subtitle, ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [f"*{block.text}*" if block.note else block.text, ""]
            elif isinstance(block, Heading):
                lines += [f"{'#' * block.level} {block.text}", ""]
            elif isinstance(block, Bullets):
                lines += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Quotes):
                for item in block.items:
                    lines += [f"> {_md_untrusted(item)}", ""]
            elif isinstance(block, Table):
                lines += _md_table(block)
            else:
                lines += [f"{'#' * block.level} {block.heading}", ""]
                if block.table is not None:
                    lines += _md_table(block.table, caption=False)
                lines += [f"- {note}" for note in block.notes] + ([""] if block.notes else [])
    lines += ["---", "", document.footer, ""]
    return "\n".join(lines)
