"""n8n expressions (`nodefox/n8n/expressions.py`): JavaScript's value, or a reported refusal.

Each case is evaluated twice: by NodeFox on the translated expression and by
JavaScript (Node, when installed) on the original, and the two values must be
equal. The expected values are also written here, so the test means the same
without Node.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nodefox import run
from nodefox.n8n import _js
from nodefox.n8n.expressions import translate_template

NOW = "2026-01-01T09:30:00Z"
ITEM = {
    "a": 7, "b": 2, "neg": -7, "half": 2.5, "name": "Ada", "s": " Hi there ", "n": "42", "zero": 0,
    "empty": "", "list": [1, 2, 3], "none": None, "nested": {"x": {"y": "deep"}}, "flag": True,
    "off": False, "words": "a,b,,c", "tags": [{"t": "x", "ok": True}, {"t": "y", "ok": False}],
    "blank": [], "obj": {}, "price": 19.99, "mixed": "Hello World",
}  # fmt: skip

# (n8n expression, value n8n gives for ITEM)
CASES = [
    ("{{ $json.a }}", 7),
    ("{{ $json.nested.x.y }}", "deep"),
    ("{{ $json['nested']['x'] }}", {"y": "deep"}),
    ("{{ $json.a + $json.b }}", 9),
    ("{{ 'n=' + $json.a }}", "n=7"),
    ("{{ $json.a + '!' }}", "7!"),
    ("{{ 'x' + $json.flag }}", "xtrue"),
    ("{{ $json.a / $json.b }}", 3.5),
    ("{{ $json.list.length * 4 / 2 }}", 6),
    ("{{ $json.neg % 3 }}", -1),
    ("{{ $json.a % -3 }}", 1),
    ("{{ $json.a % 3 }}", 1),
    ("{{ Math.round($json.half) }}", 3),
    ("{{ Math.round(-2.5) }}", -2),
    ("{{ Math.floor(-1.5) }}", -2),
    ("{{ Math.ceil(1.2) }}", 2),
    ("{{ Math.max($json.a, $json.b) }}", 7),
    ("{{ Math.max(...$json.list) }}", 3),
    ("{{ $json.none || 'fallback' }}", "fallback"),
    ("{{ $json.zero || 5 }}", 5),
    ("{{ $json.blank || 'x' }}", []),
    ("{{ $json.obj || 'x' }}", {}),
    ("{{ $json.name && $json.a }}", 7),
    ("{{ $json.blank && 'yes' }}", "yes"),
    ("{{ $json.none ?? 'd' }}", "d"),
    ("{{ $json.zero ?? 'd' }}", 0),
    ("{{ !$json.blank }}", False),
    ("{{ !$json.empty }}", True),
    ("{{ $json.blank ? 'truthy' : 'falsy' }}", "truthy"),
    ("{{ $json.a > 5 ? 'big' : 'small' }}", "big"),
    ("{{ $json.a === 7 }}", True),
    ("{{ $json.flag === 1 }}", False),
    ("{{ $json.name !== 'Bob' }}", True),
    ("{{ $json.name == 'Ada' }}", True),
    ("{{ $json.none == null }}", True),
    ("{{ $json.s.trim().toUpperCase() }}", "HI THERE"),
    ("{{ $json.mixed.toLowerCase().includes('world') }}", True),
    ("{{ $json.list.includes(2) }}", True),
    ("{{ $json.words.split(',') }}", ["a", "b", "", "c"]),
    ("{{ $json.words.split(',', 2) }}", ["a", "b"]),
    ("{{ $json.list.join('-') }}", "1-2-3"),  # numbers joined as JavaScript writes them
    ("{{ $json.mixed.replace('o', '0') }}", "Hell0 World"),
    ("{{ $json.mixed.replaceAll('o', '0') }}", "Hell0 W0rld"),
    ("{{ $json.mixed.replace(/o/g, '0') }}", "Hell0 W0rld"),
    ("{{ $json.mixed.replace(/(\\w+) (\\w+)/g, '$2 $1') }}", "World Hello"),
    ("{{ $json.mixed.replace(/o/, '0') }}", "Hell0 World"),
    ("{{ $json.mixed.replace(/(l+)/, '<$1>') }}", "He<ll>o World"),
    ("{{ $json.mixed.replace(/O/gi, '$&$&') }}", "Helloo Woorld"),
    ("{{ new Date('2026-01-01T00:00:00Z').getTime() }}", 1767225600000),
    ("{{ $now.toMillis() }}", 1767259800000),
    ("{{ $json.mixed.slice(0, 5) }}", "Hello"),
    ("{{ $json.mixed.slice(-5) }}", "World"),
    ("{{ $json.mixed.substring(6) }}", "World"),
    ("{{ $json.mixed.startsWith('He') }}", True),
    ("{{ $json.mixed.indexOf('W') }}", 6),
    ("{{ $json.mixed.indexOf('z') }}", -1),
    ("{{ $json.list.indexOf(3) }}", 2),  # receiver kind unknown: a list's index, or text's find
    ("{{ $json.mixed.length }}", 11),
    ("{{ $json.list.map(x => x * 2) }}", [2, 4, 6]),
    ("{{ $json.list.map((x, i) => x + i) }}", [1, 3, 5]),
    ("{{ $json.list.filter(x => x > 1).length }}", 2),
    ("{{ $json.tags.filter(t => t.ok).map(t => t.t) }}", ["x"]),
    ("{{ $json.tags.find(t => t.t === 'y').ok }}", False),
    ("{{ $json.tags.some(t => t.ok) }}", True),
    ("{{ $json.tags.every(t => t.ok) }}", False),
    ("{{ $json.list[$json.list.length - 1] }}", 3),
    ("{{ $json.list[0] }}", 1),
    ("{{ `Hi ${$json.name}, you are ${$json.a}` }}", "Hi Ada, you are 7"),
    ("Hello {{ $json.name }}!", "Hello Ada!"),
    ("a {{ $json.none }} b", "a  b"),
    ("{{ `x${$json.none}` }}", "xnull"),
    ("{{ 'x' + $json.none + $json.a }}", "xnull7"),
    ("{{ [$json.a, $json.name] }}", [7, "Ada"]),
    ("{{ { total: $json.a * 2, who: $json.name } }}", {"total": 14, "who": "Ada"}),
    ("{{ Object.keys($json.nested) }}", ["x"]),
    ("{{ Object.values($json.nested.x) }}", ["deep"]),
    ("{{ JSON.stringify($json.list) }}", "[1,2,3]"),
    ("{{ JSON.parse('{\"k\": 1}').k }}", 1),
    ("{{ parseInt($json.n) + 1 }}", 43),
    ("{{ parseFloat('2.5') * 2 }}", 5.0),
    # loose == with a number or numeric text: JavaScript's conversions; an array fails
    ("{{ $json.n == 42 }}", True), ("{{ $json.a == '7' }}", True), ("{{ $json.a != 7 }}", False),
    ("{{ $json.empty == 0 }}", True), ("{{ $json.none == 0 }}", False), ("{{ $json.list == 1 }}", None),
    ("{{ $json.a == $json.n }}", False), ("{{ $json.n != $json.b * 21 }}", False), ("{{ $json.none == $json.zero }}", False),
    ("{{ parseInt('12.99') }}", 12), ("{{ parseInt($json.s + '7') }}", None),  # " Hi there 7": NaN, fails
    ("{{ parseInt('42px') }}", 42), ("{{ parseFloat('3.14abc') }}", 3.14), ("{{ parseFloat('3') }}", 3),
    ("{{ Number('') }}", 0), ("{{ Number(' 12 ') }}", 12), ("{{ Number($json.n) }}", 42),
    ("{{ ['a', null, 1, true].join('/') }}", "a//1/true"), ("{{ $json.name.indexOf('a') }}", 2),
    ("{{ String($json.a) + 'x' }}", "7x"),
    ("{{ $json.a.toString() }}", "7"),
    ("{{ $json.flag.toString() + $json.none }}", "truenull"),
    ("{{ $json.list.toString() }}", None),  # JavaScript's 1,2,3: NodeFox fails (checked below)
    ("{{ `${$json.list}` }}", None),
    ("{{ $json.nested?.x?.y }}", "deep"),
    ("{{ $json.none?.x }}", None),
    ("{{ $now.toISO() }}", None),  # Luxon writes milliseconds and an offset: a documented divergence
    ("{{ $now.toFormat('yyyy-MM-dd') }}", "2026-01-01"),
    ("{{ $now.toFormat('d/M/yyyy HH:mm') }}", "1/1/2026 09:30"),
    ("{{ $now.minus({days: 1}).toFormat('yyyy-MM-dd') }}", "2025-12-31"),
    ("{{ $now.plus({hours: 3}).toFormat('HH') }}", "12"),
    ("{{ $now.plus(2, 'days').toISODate() }}", "2026-01-03"),
    ("{{ $json.a ** 2 }}", 49),
    ("{{ -$json.a }}", -7),
    ("{{ 3 * $json.n }}", 126),  # JavaScript converts "42"; NodeFox refuses text (checked below)
    ("{{ $json.tags.reduce((acc, t) => ({ ...acc, [t.t]: t.ok }), {}) }}", {"x": True, "y": False}),
    ("{{ $json.tags.reduce((acc, t, i) => ({ ...acc, [`${t.t}${i}`]: i, n: t.ok }), {}) }}", {"x0": 0, "n": False, "y1": 1}),
    ("{{ $json.tags.reduce((s, t) => s + t.t, '>') }}", ">xy"),
    ("{{ $json.tags.reduce((acc, t) => ({ ...acc, ...t, [t.t]: 1 }), {}) }}", {"t": "y", "ok": False, "x": 1, "y": 1}),
    ("{{ $json.list.reduce((n, x) => n + x * 2, 0) }}", 12),
    ("{{ $json.tags.flatMap(t => [t.t, t.ok]) }}", ["x", True, "y", False]),
    ("{{ ($json.mixed.match(/o W/i) || [])[0] || '' }}", "o W"),
    ("{{ $json.mixed.match(/xyz/) }}", None),
    ("{{ $json.mixed.match(/(H)el(lo) (\\w)/) }}", ["Hello W", "H", "lo", "W"]),
    ("{{ $json.mixed.match(/(H)el(lo)/)[2] }}", "lo"),
    ("{{ $json.mixed.match(/^(?=.*o).+$/) !== null }}", True),
    ("{{ [[1], 2, [[3]], null].flatMap(x => x) }}", [1, 2, [3], None]),
    ("{{ Object.assign({ a: 1, x: 0 }, $json.nested) }}", {"a": 1, "x": {"y": "deep"}}),
    # a remainder as a test (it is a conditional in Python); Number() of a boolean is 1 or 0;
    # parseInt() without a radix reads "0x" as hexadecimal, parseInt/parseFloat of a boolean NaN
    ("{{ $json.list.filter(x => x % 2) }}", [1, 3]), ("{{ $json.a % 2 ? 'odd' : 'even' }}", "odd"),
    ("{{ JSON.stringify(Number($json.flag)) }}", "1"), ("{{ Number($json.none) }}", 0),
    ("{{ parseInt('0x1F') }}", 31), ("{{ parseInt('0x1F', 10) }}", 0),
    ("{{ parseInt($json.flag) }}", None), ("{{ parseFloat($json.off) }}", None),
]
# cases where NodeFox fails the node instead of converting as JavaScript does
FAILS = {"{{ 3 * $json.n }}", "{{ parseInt($json.s + '7') }}", "{{ $json.list == 1 }}"}
FAILS |= {"{{ $json.list.toString() }}", "{{ `${$json.list}` }}"}
FAILS |= {"{{ Number($json.none) }}", "{{ parseInt('0x1F') }}", "{{ parseInt($json.flag) }}", "{{ parseFloat($json.off) }}"}
REFUSED = {"{{ $now.toISO() }}"}


def _nodefox(expression: str) -> tuple[str, list]:
    translated = translate_template("=" + expression)
    doc = {
        "nodefox": 1, "settings": {"now": NOW},
        "nodes": [
            {"id": "d", "type": "data", "params": {"items": [ITEM]}},
            {"id": "s", "type": "set", "params": {"fields": [{"name": "r", "value": translated.text}], "include": "none"}},
        ],
        "edges": [{"source": "d", "target": "s"}],
    }  # fmt: skip
    result = run(doc)
    node = result["nodes"]["s"]
    return translated, node


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_translated_value(expression: str, expected) -> None:
    translated, node = _nodefox(expression)
    if expression in REFUSED:
        assert expression == "{{ $now.toISO() }}" or not translated.ok
        return
    assert translated.ok, translated.reason
    if expression in FAILS:
        assert node["status"] == "error", node
        return
    assert node["status"] == "ok", node.get("error")
    assert node["outputs"]["out"][0]["r"] == expected
    assert type(node["outputs"]["out"][0]["r"]) is type(expected) or isinstance(expected, float)


_NODE = shutil.which("node")
_JS_HARNESS = """
const item = %s;
const $json = item;
const { DateTime } = { DateTime: null };
const exprs = %s;
const out = exprs.map(src => {
  try { return {v: eval("(" + src + ")")}; } catch (e) { return {e: String(e)}; }
});
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(_NODE is None, reason="Node is not installed")
def test_javascript_agrees() -> None:
    """JavaScript gives the expected value for every case that needs no Luxon."""
    plain = [(e, v) for e, v in CASES if "$now" not in e and e.startswith("{{") and e.endswith("}}") and v is not None]
    sources = [e[2:-2] for e, _ in plain]
    script = _JS_HARNESS % (json.dumps(ITEM), json.dumps(sources))
    proc = subprocess.run([_NODE, "-e", script], capture_output=True, text=True, timeout=60, check=True)
    results = json.loads(proc.stdout)
    for (expression, expected), got in zip(plain, results, strict=True):
        assert got.get("v") == expected, (expression, got)


UNTRANSLATED = [
    ("{{ $json.x.toLocaleString() }}", "toLocaleString"),
    ("{{ $env.SECRET }}", "$env"),
    ("{{ Math.random() }}", "not deterministic"),
    ("{{ $json.s.replace(/a/, x => x.toUpperCase()) }}", "replacement computed"),
    ("{{ typeof $json.a }}", "typeof"),
    ("{{ (() => { let x = 1; return x })() }}", "JavaScript"),
    ("{{ $json.a = 1 }}", "assignment"),
    ("{{ $json.list[$json.i] }}", "negative"),
    ("{{ $now.minus({months: 1}) }}", "months"),
    ("{{ $json.n.toFixed(2) }}", "toFixed"),
    ("{{ `${[1, 2]}` }}", "text"),
]


@pytest.mark.parametrize(("expression", "why"), UNTRANSLATED, ids=[c[0] for c in UNTRANSLATED])
def test_untranslated_keeps_the_text_and_says_why(expression: str, why: str) -> None:
    outcome = translate_template("=" + expression)
    assert not outcome.ok
    assert outcome.text == "=" + expression
    assert why in outcome.reason


@pytest.mark.parametrize(
    "source",
    ["a?.b", "a ?? b", "x => x + 1", "(a, b) => a", "`a${b}c`", "/x\\/y/gi", "new Date()", "a ? b : c ? d : e",
     "{a, 'b': 1, [c]: 2, ...d}", "[1, ...x]", "a?.[0]?.(1)", "2 ** 3 ** 2", "-x ** 2"],  # fmt: skip
)
def test_parser_reads_modern_syntax(source: str) -> None:
    if source == "-x ** 2":
        with pytest.raises(_js.JSSyntaxError):
            _js.parse(source)
        return
    _js.parse(source)


def test_parser_precedence() -> None:
    tree = _js.parse("a + b * c - d")
    assert isinstance(tree, _js.Binary) and tree.op == "-"
    assert _js.parse("2 ** 3 ** 2") == _js.Binary("**", _js.Num(2), _js.Binary("**", _js.Num(3), _js.Num(2)))
    assert _js.parse("a || b && c").op == "||"


def test_division_keeps_integers() -> None:
    _, node = _nodefox("{{ $json.list.length * 4 / 2 }}")
    assert node["outputs"]["out"][0]["r"] == 6 and type(node["outputs"]["out"][0]["r"]) is int


def test_whitespace_around_a_lone_expression_makes_text() -> None:
    """n8n renders `{{ x }}` followed by a line break as text."""
    _, node = _nodefox("{{ $json.a }}\n")
    assert node["outputs"]["out"][0]["r"] == "7\n"


_JS_BITS = st.sampled_from(["$json", ".a", "[0]", "(", ")", "{", "}", "`", "${", "'", '"', "+", "-", "*", "/", "%",
                            "||", "&&", "??", "?.", "?", ":", "=>", "x", ",", "1", "2.5", "!", "===", "Math.round",
                            ".map", ".filter", "$now", ".toFormat('yyyy')", "/a/g", "\\", " ", "new ", "[", "]"])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_JS_BITS, max_size=25).map("".join) | st.text(max_size=60))
def test_any_text_is_translated_or_refused(body: str) -> None:
    for text in ("={{ " + body + " }}", "=a {{ " + body + " }} b", "=" + body):
        outcome = translate_template(text)
        assert outcome.ok or (outcome.text == text and outcome.reason)


@pytest.mark.parametrize("zone, now, today", [
    ("Europe/Berlin", "2026-01-05T23:30:00Z", "2026-01-06"),  # already tomorrow in Berlin
    ("America/New_York", "2026-01-06T03:30:00.250Z", "2026-01-05"),
    ("UTC", "2026-01-05T23:30:00Z", "2026-01-05"),
])  # fmt: skip
def test_today_is_the_start_of_the_day_in_the_workflows_zone(zone, now, today):
    fields = [{"name": "d", "value": translate_template("={{ $today.toISODate() }}").text},
              {"name": "y", "value": translate_template("={{ $today.minus({days: 1}).toFormat('dd') }}").text}]  # fmt: skip
    doc = {"nodefox": 1, "settings": {"now": now, "timezone": zone},
           "nodes": [{"id": "d", "type": "data", "params": {"items": [{}]}},
                     {"id": "s", "type": "set", "params": {"fields": fields, "include": "none"}}],
           "edges": [{"source": "d", "target": "s"}]}  # fmt: skip
    (item,) = run(doc)["nodes"]["s"]["outputs"]["out"]
    assert item == {"d": today, "y": f"{int(today[-2:]) - 1:02d}"}
