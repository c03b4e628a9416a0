"""Running one phase of the load in several processes (``--jobs``), or inline.

A phase is a list of *slices* (a block of persons, a range of days …) and a ``work(slice, number)`` function. With
one job the slices run here, one after the other, on this connection and in the caller's transaction. With more,
each slice runs in a forked child that inherits everything made so far (the applicants, the catalogue, the
counters) and opens its own database connection and transaction; it commits when its slice is written.

Once per slice, ``work`` calls ``number(requests)`` with what needs a number that only the whole load can give
(licence serials per type, issuer and year, in the order of issue across all slices): the parent waits until every
child has asked, numbers everything at once (``numberer``, :class:`tongban.loadgen.licenses.Serials`) and answers each
child with its share. Everything a child returns is pickled back to the parent.

A child that fails makes the phase fail: the parent stops the others (their transactions roll back) and raises
:class:`PhaseFailed` with the child's traceback; the caller cleans up what earlier phases committed.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from django.db import connection, transaction

Number = Callable[[list[Any]], Any]
Work = Callable[[Any, Number], Any]
Numberer = Callable[[list[list[Any]]], list[Any]]


class PhaseFailed(RuntimeError):
    """A child process of a phase failed (its traceback is the message)."""


def run_phase(slices: Sequence[Any], work: Work, numberer: Numberer, *, forked: bool) -> list[Any]:
    """Run ``work`` on every slice; returns their results in slice order."""
    if not forked or len(slices) == 1:
        return [_inline(s, work, numberer) for s in slices]
    return _forked(slices, work, numberer)


class _NumberOnce:
    """The ``number`` a slice's work gets: passes its requests to ``ask`` once per slice; :meth:`finish` asks with
    none when the slice never did, so that every slice takes its turn in the numbering."""

    def __init__(self, ask: Callable[[list[Any]], Any]) -> None:
        self._ask = ask
        self._asked = False

    def __call__(self, requests: list[Any]) -> Any:
        if self._asked:
            raise RuntimeError("number() may be called once per slice")
        self._asked = True
        return self._ask(requests)

    def finish(self) -> None:
        if not self._asked:
            self([])


def _inline(piece: Any, work: Work, numberer: Numberer) -> Any:
    number = _NumberOnce(lambda requests: numberer([requests])[0])
    with transaction.atomic():
        result = work(piece, number)
        number.finish()
    return result


def _child(piece: Any, work: Work, conn: Connection) -> None:
    """In the child: a connection and a transaction of its own; reports through ``conn``."""

    def ask(requests: list[Any]) -> Any:
        conn.send(("number", requests))
        return conn.recv()

    number = _NumberOnce(ask)
    try:
        with transaction.atomic():
            result = work(piece, number)
            number.finish()
        conn.send(("done", result))
    except BaseException:  # reported to the parent, which stops the phase
        conn.send(("error", traceback.format_exc()))
        conn.close()
        connection.close()
        os._exit(1)
    conn.close()
    connection.close()


def _forked(slices: Sequence[Any], work: Work, numberer: Numberer) -> list[Any]:
    context = multiprocessing.get_context("fork")
    connection.close()  # the children open their own; a shared socket would mix their conversations
    gc.collect()
    gc.freeze()  # what exists now is shared with the children; keep the collector from copying it page by page
    children = []
    try:
        for piece in slices:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_child, args=(piece, work, child_end), daemon=True)
            process.start()
            child_end.close()
            children.append((process, parent_end))
        requests = _gather(children, "number")
        answers = numberer(requests)
        for (_process, conn), answer in zip(children, answers, strict=True):
            conn.send(answer)
        results = _gather(children, "done")
        for process, _conn in children:
            process.join()
        return results
    except BaseException:
        for process, _conn in children:
            if process.is_alive():
                process.terminate()
        for process, _conn in children:
            process.join()
        raise
    finally:
        for _process, conn in children:
            conn.close()
        gc.unfreeze()


def _gather(children: list[tuple[Any, Connection]], tag: str) -> list[Any]:
    """The ``tag`` message of every child (in slice order); a child's error or death fails the phase."""
    got: dict[int, Any] = {}
    pending = {id(conn): index for index, (_p, conn) in enumerate(children)}
    sentinels = {process.sentinel: index for index, (process, _c) in enumerate(children)}
    while pending:
        ready = wait([children[i][1] for i in pending.values()] + [
            s for s, i in sentinels.items() if i in pending.values()])
        for item in ready:
            if isinstance(item, Connection):
                index = pending.pop(id(item))
                try:
                    kind, payload = item.recv()
                except EOFError:
                    raise PhaseFailed(f"进程 {index + 1} 意外退出") from None
                if kind == "error":
                    raise PhaseFailed(f"进程 {index + 1} 出错：\n{payload}")
                if kind != tag:
                    raise PhaseFailed(f"进程 {index + 1}：意外的消息 {kind}")
                got[index] = payload
            else:
                index = sentinels[item]
                if index in pending.values() and not children[index][1].poll():
                    process = children[index][0]
                    process.join()
                    raise PhaseFailed(f"进程 {index + 1} 意外退出（退出码 {process.exitcode}）")
    return [got[i] for i in range(len(children))]
