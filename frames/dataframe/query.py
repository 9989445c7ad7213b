"""``DataFrame.query`` and ``DataFrame.eval``: pandas' expression strings turned into the same
lazy Series operations the methods build (Python's own parser; nothing is evaluated row by row).

Understood: column names (or `` `quoted names` ``), numbers and strings, ``@variables`` of the
caller, arithmetic, comparisons (chained too), ``and`` / ``or`` / ``not`` / ``&`` / ``|`` / ``~``,
``in`` / ``not in`` a list, and ``name = expression`` assignments in ``eval``.
"""

from __future__ import annotations

import ast
import operator
import re
import sys
from typing import Any

from frames.errors import InvalidArgumentError
from frames.parsing import PARSE_LOCK

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
           ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}


def _prepare(text: str) -> tuple[str, dict[str, str]]:
    """``text`` with backtick-quoted names and ``@variables`` made into Python names."""
    quoted: dict[str, str] = {}

    def name(m):
        key = f"__q{len(quoted)}"
        quoted[key] = m.group(1)
        return key

    text = re.sub(r"`([^`]*)`", name, text)
    text = re.sub(r"@([A-Za-z_]\w*)", r"__at_\1", text)
    return _not_as_invert(text), quoted


def _not_as_invert(text: str) -> str:
    """``not`` binds as tightly as ``~``, as in pandas' parser (Python's ``not`` binds looser than ``&``)."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text  # the parser reports it
    out = []
    for i, tok in enumerate(tokens):
        following = next((t for t in tokens[i + 1:] if t.type not in (tokenize.NL, tokenize.NEWLINE)), None)
        if tok.type == tokenize.NAME and tok.string == "not" and not (following and following.string == "in"):
            tok = tok._replace(type=tokenize.OP, string="~")
        out.append((tok.type, tok.string))
    return tokenize.untokenize(out)


class _Translator:
    def __init__(self, frame, text: str, local_dict: dict | None, level: int):
        self.frame, self.text = frame, text
        caller = sys._getframe(level + 1)
        self.variables = {**caller.f_globals, **caller.f_locals, **(local_dict or {})}

    def __call__(self, node: ast.AST) -> Any:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise InvalidArgumentError(f"cannot evaluate {ast.unparse(node)!r} in {self.text!r}")
        return method(node)

    def visit_Expression(self, node):
        return self(node.body)

    def visit_Name(self, node):
        name = self.quoted.get(node.id, node.id)
        if name.startswith("__at_"):
            var = name[len("__at_"):]
            if var not in self.variables:
                raise InvalidArgumentError(f"local variable {var!r} used in {self.text!r} is not defined")
            return self.variables[var]
        if name in self.frame._node.schema.names:
            return self.frame[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        self.frame._check_columns([name])  # a clear error naming it

    def visit_Constant(self, node):
        return node.value

    def visit_List(self, node):
        return [self(e) for e in node.elts]

    visit_Tuple = visit_List

    def visit_UnaryOp(self, node):
        value = self(node.operand)
        if isinstance(node.op, (ast.Not, ast.Invert)):
            return ~value
        if isinstance(node.op, ast.USub):
            return -value
        return value

    def visit_BinOp(self, node):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise InvalidArgumentError(f"operator {type(node.op).__name__} is not supported in {self.text!r}")
        return op(self(node.left), self(node.right))

    def visit_BoolOp(self, node):
        values = [self(v) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out

    def visit_Compare(self, node):
        left, out = self(node.left), None
        for op, right_node in zip(node.ops, node.comparators):
            right = self(right_node)
            if isinstance(op, (ast.In, ast.NotIn)):
                test = left.isin(right if isinstance(right, (list, tuple)) else [right])
                test = ~test if isinstance(op, ast.NotIn) else test
            else:
                test = _COMPARE[type(op)](left, right)
            out = test if out is None else out & test
            left = right
        return out

    def visit_Call(self, node):
        raise InvalidArgumentError(f"function calls are not supported in query/eval: {ast.unparse(node)!r}")


def evaluate(frame, text: str, local_dict: dict | None = None, level: int = 1):
    """The Series ``text`` computes over ``frame``, or, for ``name = expr`` lines, the frame with
    those columns assigned in order."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError("query/eval needs a non-empty expression string")
    prepared, quoted = _prepare(text)
    translator = _Translator(frame, text, local_dict, level + 1)
    translator.quoted = quoted
    lines = [line for line in prepared.strip().splitlines() if line.strip()]
    try:
        with PARSE_LOCK:  # ast is not thread-safe on CPython 3.11 (frames.parsing)
            trees = [ast.parse(line.strip(), mode="exec").body[0] for line in lines]
    except SyntaxError as exc:
        raise InvalidArgumentError(f"cannot parse {text!r}: {exc.msg}") from None
    if len(trees) == 1 and isinstance(trees[0], ast.Expr):
        return translator(trees[0].value)
    out = frame
    for tree in trees:
        if not (isinstance(tree, ast.Assign) and len(tree.targets) == 1 and isinstance(tree.targets[0], ast.Name)):
            raise InvalidArgumentError(f"each line of a multi-line eval must be 'name = expression': {ast.unparse(tree)!r}")
        translator.frame = out
        target = quoted.get(tree.targets[0].id, tree.targets[0].id)
        out = out.assign(**{target: translator(tree.value)})
    return out
