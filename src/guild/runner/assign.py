"""Remove the first module-level assignment of each injected flag name (spec §4.5 step 4).

The flag values are pre-loaded as globals, so the script's own default assignment must not run;
later re-assignments still do (`x = 1; x = x + 100` with x=7 gives 107). Top-level `if` blocks
count as module level. Works on the tree from `compile(..., PyCF_ONLY_AST)` using the `_ast`
C module: the `ast` package costs a few milliseconds the launcher does not need to spend."""


import _ast

PyCF_ONLY_AST = 0x400


def parse(source: bytes, filename: str) -> "_ast.Module":
    return compile(source, filename, "exec", PyCF_ONLY_AST)


def strip_first_assignments(tree: "_ast.Module", names: set[str]) -> None:
    """Drop, in place, the first `NAME = ...` / `NAME: T = ...` for each of `names`."""
    _strip_block(tree.body, set(names))


def _strip_block(body: list, remaining: set[str]) -> None:
    for i, stmt in enumerate(body):
        if not remaining:
            return
        if isinstance(stmt, _ast.Assign):
            hits = [t for t in stmt.targets if isinstance(t, _ast.Name) and t.id in remaining]
            if hits:
                remaining.difference_update(t.id for t in hits)
                stmt.targets = [t for t in stmt.targets if t not in hits]
                if not stmt.targets:
                    body[i] = _pass_like(stmt)
        elif isinstance(stmt, _ast.AnnAssign):
            target = stmt.target
            if stmt.value is not None and isinstance(target, _ast.Name) and target.id in remaining:
                remaining.discard(target.id)
                body[i] = _pass_like(stmt)
        elif isinstance(stmt, _ast.If):
            _strip_block(stmt.body, remaining)
            _strip_block(stmt.orelse, remaining)


def _pass_like(stmt) -> "_ast.Pass":
    # A `pass` at the same location keeps blocks non-empty and line numbers intact.
    return _ast.Pass(
        lineno=stmt.lineno, col_offset=stmt.col_offset,
        end_lineno=stmt.end_lineno, end_col_offset=stmt.end_col_offset,
    )
