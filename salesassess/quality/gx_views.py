"""Great Expectations' Data Docs views with each template compiled once per process.

GX's ``DefaultJinjaView`` makes a new Jinja environment for every page it renders, so every
page compiles GX's templates again (about 40 of them for a validation page and the index):
measured on the 100,000-call quarter, that compilation was most of the 0.4 s a quality check
spent on its pages. These views are GX's own, with a bytecode cache the process shares:
the first page compiles a template, the next ones load it (Jinja checks the template
source's checksum, so a changed template is compiled again). The site's configuration
names them (:func:`salesassess.quality.validation.gx_context`).
"""

from __future__ import annotations

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

__all__ = ["CompiledOnceIndexPageView", "CompiledOncePageView"]


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the life of the process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_CACHE = ProcessBytecodeCache()


class _CompiledOnce:
    """A GX view whose template environment shares the process's compiled templates."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = _CACHE


class CompiledOncePageView(_CompiledOnce, DefaultJinjaPageView):
    """GX's page view (validation results, suites), templates compiled once."""


class CompiledOnceIndexPageView(_CompiledOnce, DefaultJinjaIndexPageView):
    """GX's index page view, templates compiled once."""
