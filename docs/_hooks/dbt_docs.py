"""MkDocs hook: the dbt docs become a page of the site, ``dbt/index.html``.

``make docs`` writes them first (``dbt docs generate --static``: one self-contained file,
``dbt_project/target/static_index.html``) and this hook copies that file into the site. A
build without it (``mkdocs build`` alone, the docs test) gets a page saying how to make it,
so the site's links to the dbt docs always resolve.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

SITE_PATH = "dbt/index.html"
STATIC_INDEX = Path("dbt_project") / "target" / "static_index.html"
NOT_GENERATED = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>dbt docs</title></head>
<body>
<h1>dbt docs</h1>
<p>The dbt docs of every model and column are not in this build. <code>make docs</code>
writes them (<code>dbt docs generate --static</code>) and builds the site with them;
<code>make docs-dbt</code> writes them alone, to
<code>dbt_project/target/static_index.html</code>.</p>
<p><a href="../index.html">Back to the documentation</a></p>
</body>
</html>
"""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    static_index = Path(config.config_file_path).parent / STATIC_INDEX
    if static_index.is_file():
        files.append(File.generated(config, SITE_PATH, abs_src_path=str(static_index)))
    else:
        files.append(File.generated(config, SITE_PATH, content=NOT_GENERATED))
    return files
