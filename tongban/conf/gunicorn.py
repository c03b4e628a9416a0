"""gunicorn settings shared by `make run` and the benchmarks: warm each worker before it takes requests."""

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Build the search index (and jieba's dictionary) once per worker instead of in the first request."""
    from tongban.search.selectors import search_warm_up

    try:
        search_warm_up()
    except Exception:  # a fresh database without tables must not stop the worker
        worker.log.warning("search warm-up skipped", exc_info=True)
