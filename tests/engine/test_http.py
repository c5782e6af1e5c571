"""The `http` node (`nodes/http.py`), its transport (`net.py`) and credentials
(`credentials.py`), against a real server on 127.0.0.1 (tests/httpserver.py)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import nodefox
import pytest
from conftest import document, edge, node
from nodefox import credentials, net
from nodefox.nodes.http import effect, link_next
from nodefox.world import ReadCache, World

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)

SECRET = "tok-5f8a2c91-very-secret"


def _closed_port() -> int:
    """A port nothing listens on: bound, then let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


NOBODY = f"http://127.0.0.1:{_closed_port()}/x"  # connection refused
BEARER = {"type": "bearer", "token": SECRET, "hosts": ["127.0.0.1"]}


def http_doc(params: dict, items: list[dict] | None = None, **extra) -> dict:
    src = {"id": "src", "type": "data", "params": {"items": items if items is not None else [{}]}}
    return document([src, node("h", "http", params, **extra)], [edge("src", "h")])


def run_http(params: dict, items: list[dict] | None = None, allow_net=True, extra=None, **kw) -> dict:
    """The http node's entry in the canonical result."""
    result = nodefox.run(http_doc(params, items, **(extra or {})), allow_net=allow_net, **kw)
    return json.loads(nodefox.canonical(result))["nodes"]["h"]


def out(params: dict, items: list[dict] | None = None, **kw) -> list:
    entry = run_http(params, items, **kw)
    assert entry["status"] == "ok", entry
    return entry["outputs"]["out"]


def error(params: dict, items: list[dict] | None = None, **kw) -> str:
    entry = run_http(params, items, **kw)
    assert entry["status"] == "error", entry
    return entry["error"]["message"]


@pytest.fixture
def server(http_server):  # noqa: F811 (the fixture imported above)
    http_server.log.clear()
    return http_server


# -- effect and declaration ----------------------------------------------------------


def test_effect_follows_the_method():
    assert effect({}) == "read"
    for method in ("GET", "HEAD", "OPTIONS"):
        assert effect({"method": method}) == "read"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert effect({"method": method}) == "write"
    assert effect({"method": "={{ $json.m }}"}) == "write"
    http = nodefox.BUILTINS.get("http")
    assert http.effect_of({"method": "GET"}) == "read" and http.reads == frozenset({"network"})
    assert http.describe()["effect"] == "depends"
    assert set(http.schema["properties"]) == {
        "method", "url", "query", "headers", "body", "bodyType", "credential", "once",
        "response", "fileField", "split", "full", "timeoutMs", "retries", "paginate",
    }  # fmt: skip


# -- permissions ---------------------------------------------------------------------


def test_without_permission_nothing_is_sent(server):
    message = error({"url": server.url("/json")}, allow_net=None)
    assert "127.0.0.1" in message and "--allow-net=127.0.0.1" in message
    assert server.log == []


def test_permission_by_host_list(server):
    assert out({"url": server.url("/json")}, allow_net=["127.0.0.1"])[0]["id"] == 1
    assert out({"url": server.url("/json")}, allow_net=["example.com", "127.0.0.1"])[0]["id"] == 1
    message = error({"url": server.url("/json").replace("127.0.0.1", "localhost")}, allow_net=["127.0.0.1"])
    assert "localhost" in message and "--allow-net=localhost" in message
    assert server.log == [("GET", "/json", server.log[0][2])] * 2


def test_a_redirect_to_a_host_not_allowed_is_not_followed(server):
    elsewhere = server.url("/json").replace("127.0.0.1", "localhost")
    message = error({"url": server.url(f"/redirect?to={elsewhere}")}, allow_net=["127.0.0.1"])
    assert "not allowed to contact localhost" in message
    assert [r[1] for r in server.log] == [f"/redirect?to={elsewhere}"]


def test_redirects_are_followed(server):
    assert out({"url": server.url("/redirect?to=/json")})[0]["name"] == "Ada"
    # 303 turns a POST into a GET without its body
    echoed = out({"url": server.url("/redirect?to=/echo&code=303"), "method": "POST", "body": {"a": 1}})[0]
    assert echoed["method"] == "GET" and echoed["body"] == ""
    # 307 keeps the method and the body
    echoed = out({"url": server.url("/redirect?to=/echo&code=307"), "method": "POST", "body": {"a": 1}})[0]
    assert echoed["method"] == "POST" and echoed["body"] == '{"a":1}'


# -- responses into items ------------------------------------------------------------


def test_json_object_array_and_text(server):
    assert out({"url": server.url("/json")}) == [{"id": 1, "name": "Ada", "tags": ["x", "y"]}]
    assert out({"url": server.url("/list")}) == [{"id": 1}, {"id": 2}, {"value": 3}]
    assert out({"url": server.url("/text")}) == [{"body": "hello\nworld"}]
    assert out({"url": server.url("/html")}) == [{"body": "<p>hi</p>"}]
    assert out({"url": server.url("/latin1")}) == [{"body": "café"}]
    assert out({"url": server.url("/empty")}) == [{"body": ""}]


def test_response_mode(server):
    assert out({"url": server.url("/json"), "response": "text"}) == [
        {"body": '{"id":1,"name":"Ada","tags":["x","y"]}'}
    ]
    assert out({"url": server.url("/big?kb=0"), "response": "json"}) == [{"body": ""}]
    message = error({"url": server.url("/text"), "response": "json"})
    assert message == f"the response from GET {server.url('/text')} is not valid JSON (it starts 'hello world')"
    assert "is not valid JSON (it starts '{not json')" in error({"url": server.url("/badjson")})


def test_split(server):
    assert out({"url": server.url("/nested"), "split": "/data/items"}) == [{"n": 1}, {"n": 2}]
    assert out({"url": server.url("/list"), "split": ""}) == [{"id": 1}, {"id": 2}, {"value": 3}]
    assert error({"url": server.url("/nested"), "split": "/data/note"}) == "split: /data/note is string, not an array"
    assert error({"url": server.url("/nested"), "split": "/nope"}) == "split: the response has nothing at /nope"
    assert "not JSON" in error({"url": server.url("/text"), "split": "/x"})
    assert "is not a JSON pointer" in error({"url": server.url("/nested"), "split": "data.items"})


def test_full(server):
    [item] = out({"url": server.url("/json"), "full": True})
    assert list(item) == ["status", "headers", "body"]
    assert item["status"] == 200 and item["body"] == {"id": 1, "name": "Ada", "tags": ["x", "y"]}
    assert item["headers"]["content-type"] == "application/json"
    assert item["headers"]["access-control-allow-origin"] == "*"
    assert list(item["headers"]) == sorted(item["headers"])  # lower case, sorted
    [item] = out({"url": server.url("/text"), "full": True})
    assert item["body"] == "hello\nworld"
    split = out({"url": server.url("/nested"), "full": True, "split": "/data/items"})
    assert [i["body"] for i in split] == [{"n": 1}, {"n": 2}] and split[0]["status"] == 200
    [item] = out({"url": server.url("/nocors"), "full": True})
    assert not any(k.startswith("access-control") for k in item["headers"])


def test_non_2xx_fails_the_item_with_the_start_of_the_body(server):
    url = server.url("/status/404")
    assert error({"url": url}) == f'HTTP 404 Not Found from GET {url}: {{"error":"status 404 on purpose"}}'
    url = server.url("/status/500")
    entry = run_http({"url": url}, [{"a": 1}, {"a": 2}])
    assert entry["error"] == {"message": f'HTTP 500 Internal Server Error from GET {url}: {{"error":"status 500 on purpose"}}',
                              "item": 0}  # fmt: skip
    assert [r[1] for r in server.log] == ["/status/404", "/status/500"]  # stop: the first failure ends the node


def test_non_2xx_under_on_error(server):
    items = [{"p": "/json"}, {"p": "/status/500"}, {"p": "/list"}]
    params = {"url": f"={server.base}{{{{ $json.p }}}}"}
    entry = run_http(params, items, extra={"onError": "continue"})
    assert entry["outputs"]["out"] == [{"id": 1, "name": "Ada", "tags": ["x", "y"]}, {"p": "/status/500"},
                                       {"id": 1}, {"id": 2}, {"value": 3}]  # fmt: skip
    assert entry["warnings"][0].startswith("item 1: HTTP 500 Internal Server Error from GET")
    entry = run_http(params, items, extra={"onError": "errorOutput"})
    assert len(entry["outputs"]["out"]) == 4
    [failed] = entry["outputs"]["error"]
    assert failed["item"] == {"p": "/status/500"} and failed["error"].startswith("HTTP 500")


# -- the request ---------------------------------------------------------------------


def test_every_method(server):
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        body = out({"url": server.url("/echo"), "method": method})
        if method == "OPTIONS":  # answered by the CORS preflight route: no body
            assert body == [{"body": ""}]
        else:
            assert body[0]["method"] == method
    assert out({"url": server.url("/json"), "method": "HEAD", "full": True})[0]["body"] == ""
    assert [r[0] for r in server.log] == ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


def test_query(server):
    query = {"q": "a b&c", "n": 5, "f": 1.5, "yes": True, "tag": ["x", "y"], "gone": None}
    echoed = out({"url": server.url("/echo"), "query": query})[0]
    assert echoed["query"] == "q=a+b%26c&n=5&f=1.5&yes=true&tag=x&tag=y"
    echoed = out({"url": server.url("/echo?keep=1"), "query": {"more": "2"}})[0]
    assert echoed["query"] == "keep=1&more=2"


def test_headers_and_bodies(server):
    echoed = out({"url": server.url("/echo"), "method": "POST", "headers": {"X-Trace": "t-1"},
                  "body": {"a": [1, "é"]}})[0]  # fmt: skip
    assert echoed["headers"]["x-trace"] == "t-1"
    assert echoed["headers"]["content-type"] == "application/json"
    assert echoed["body"] == '{"a":[1,"é"]}'
    echoed = out({"url": server.url("/echo"), "method": "POST", "bodyType": "form",
                  "body": {"name": "Ada L", "n": 2, "tags": ["a", "b"]}})[0]  # fmt: skip
    assert echoed["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert echoed["body"] == "name=Ada+L&n=2&tags=a&tags=b"
    echoed = out({"url": server.url("/echo"), "method": "PUT", "bodyType": "text", "body": "plain",
                  "headers": {"content-type": "text/csv"}})[0]  # fmt: skip
    assert echoed["headers"]["content-type"] == "text/csv" and echoed["body"] == "plain"
    assert "a form body must be an object" in error({"url": server.url("/echo"), "method": "POST",
                                                     "bodyType": "form", "body": [1]})  # fmt: skip
    assert "not a valid header" in error({"url": server.url("/echo"), "headers": {"X-A": "a\r\nX-B: b"}})


def test_bad_urls_are_refused_before_anything_is_sent(server):
    assert "is not an http: or https: URL" in error({"url": "ftp://127.0.0.1/x"})
    assert "names no host" in error({"url": "http:///x"})
    assert "must be a string" in error({"url": "={{ 5 }}"})
    assert server.log == []


def test_one_request_per_item_in_item_order(server):
    items = [{"id": i} for i in (3, 1, 2)]
    got = out({"url": server.url("/echo"), "query": {"id": "={{ $json.id }}"}}, items)
    assert [g["query"] for g in got] == ["id=3", "id=1", "id=2"]
    assert [r[1] for r in server.log] == ["/echo?id=3", "/echo?id=1", "/echo?id=2"]


def test_once_makes_one_request_from_the_first_item(server):
    items = [{"id": i} for i in (7, 8, 9)]
    got = out({"url": server.url("/echo"), "query": {"id": "={{ $json.id }}"}, "once": True}, items)
    assert [g["query"] for g in got] == ["id=7"] and len(server.log) == 1


def test_timeout(server):
    message = error({"url": server.url("/slow?ms=1500"), "timeoutMs": 100})
    assert message == f"GET {server.url('/slow?ms=1500')} got no response: timed out after 100 ms"
    assert out({"url": server.url("/slow?ms=50"), "timeoutMs": 2000}) == [{"slow": True}]


def test_connection_refused(server):
    assert error({"url": NOBODY}) == f"GET {NOBODY} got no response: connection refused"


# -- retries -------------------------------------------------------------------------


@pytest.fixture
def waits(monkeypatch):
    """The waits between retries, recorded instead of slept (the server is real)."""
    seen: list[float] = []
    monkeypatch.setattr(net, "_sleep", seen.append)
    return seen


def test_retries_after_5xx_wait_half_a_second_doubling(server, waits):
    got = out({"url": server.url("/flaky?key=r1&fail=3"), "retries": 3})
    assert got == [{"ok": True, "attempts": 4}] and waits == [0.5, 1.0, 2.0]


def test_retries_run_out(server, waits):
    url = server.url("/flaky?key=r2&fail=5&code=502")
    assert error({"url": url, "retries": 2}).startswith(f"HTTP 502 Bad Gateway from GET {url}")
    assert len(server.log) == 3 and waits == [0.5, 1.0]


def test_no_retries_by_default(server, waits):
    assert error({"url": server.url("/flaky?key=r3&fail=1")}).startswith("HTTP 503")
    assert len(server.log) == 1 and waits == []


def test_404_is_not_retried(server, waits):
    assert error({"url": server.url("/status/404"), "retries": 3}).startswith("HTTP 404")
    assert len(server.log) == 1


def test_429_waits_as_retry_after_says(server, waits):
    got = out({"url": server.url("/limited?key=r4&fail=2&after=3"), "retries": 2})
    assert got == [{"ok": True, "attempts": 3}] and waits == [3.0, 3.0]
    # too long a wait is not waited for: the 429 stands
    assert error({"url": server.url("/limited?key=r5&fail=1&after=3600"), "retries": 2}).startswith(
        "HTTP 429 Too Many Requests"
    )


def test_429_with_retry_after_zero_really_retries(server):
    assert out({"url": server.url("/limited?key=r6&fail=1&after=0"), "retries": 1}) == [
        {"ok": True, "attempts": 2}
    ]


def test_network_errors_are_retried(waits):
    message = error({"url": NOBODY, "retries": 2})
    assert message.endswith("connection refused") and waits == [0.5, 1.0]


def test_retry_after_reads_seconds_and_dates():
    assert net.retry_after("7") == 7.0
    assert net.retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert net.retry_after("soon") is None and net.retry_after(None) is None


# -- pagination ----------------------------------------------------------------------


def test_paginate_by_pointer(server):
    got = out({"url": server.url("/pages?page=1&last=3"), "split": "/items", "paginate": {"next": "/next"}})
    assert [(g["page"], g["i"]) for g in got] == [(p, i) for p in (1, 2, 3) for i in (0, 1)]
    assert len(server.log) == 3


def test_paginate_by_link_header(server):
    got = out({"url": server.url("/linked?page=1&last=4"), "paginate": {"next": "link"}})
    assert got == [{"page": p} for p in (1, 2, 3, 4)]


def test_paginate_stops_at_max_pages_with_a_warning(server):
    entry = run_http({"url": server.url("/linked?page=1&last=9"), "paginate": {"next": "link", "maxPages": 2}})
    assert entry["outputs"]["out"] == [{"page": 1}, {"page": 2}]
    assert entry["warnings"] == ["item 0: stopped after 2 page(s) (paginate.maxPages); the last one links to more"]
    assert len(server.log) == 2


def test_paginate_never_fetches_a_page_twice(server):
    got = out({"url": server.url("/loop"), "split": "/items", "paginate": {"next": "/next"}})
    assert got == [{"again": True}] and len(server.log) == 1


def test_paginate_with_full_gives_one_item_per_page(server):
    got = out({"url": server.url("/pages?last=2"), "full": True, "paginate": {"next": "/next"}})
    assert [g["body"]["items"][0]["page"] for g in got] == [1, 2]


def test_link_header_parsing():
    assert link_next('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"') == "https://a/x?page=2"
    assert link_next('<https://a/1>; rel="prev first", <https://a/3>; rel=next') == "https://a/3"
    assert link_next('<https://a/1>; rel="prev"') is None and link_next("") is None


# -- credentials ---------------------------------------------------------------------


def test_bearer_credential_is_attached_and_hidden(server):
    [got] = out({"url": server.url("/echo"), "credential": "api"}, credentials={"api": BEARER})
    assert got["headers"]["authorization"] == "Bearer ***"
    assert server.log[0][2]["Authorization"] == f"Bearer {SECRET}"  # sent for real


@pytest.mark.parametrize(
    ("cred", "header", "sent"),
    [
        ({"type": "basic", "user": "ada", "password": SECRET}, "Authorization", "Basic "),
        ({"type": "header", "name": "X-Api-Key", "value": SECRET}, "X-Api-Key", SECRET),
    ],
)
def test_basic_and_header_credentials(server, cred, header, sent):
    cred = {**cred, "hosts": ["127.0.0.1"]}
    entry = run_http({"url": server.url("/echo"), "credential": "c", "full": True}, credentials={"c": cred})
    assert SECRET not in json.dumps(entry)
    assert server.log[0][2][header].startswith(sent)
    wire = server.log[0][2][header]
    assert wire not in json.dumps(entry)  # the base64 form is hidden too


def test_query_credential(server):
    cred = {"type": "query", "name": "api_key", "value": SECRET + " +&", "hosts": ["127.0.0.1"]}
    entry = run_http({"url": server.url("/echo?a=1"), "credential": "c"}, credentials={"c": cred})
    assert entry["outputs"]["out"][0]["query"] == "a=1&api_key=***"
    assert server.log[0][1].startswith("/echo?a=1&api_key=tok-")
    # an error names the URL as the document gave it, without the secret
    message = error({"url": server.url("/status/404"), "credential": "c"}, credentials={"c": cred})
    assert message.startswith(f"HTTP 404 Not Found from GET {server.url('/status/404')}:")
    # a URL with a fragment: the parameter goes before it, where it is sent
    server.log.clear()
    [got] = out({"url": server.url("/echo?pick=query#part"), "credential": "c"}, credentials={"c": cred})
    assert got["query"] == "pick=query&api_key=***" and server.log[0][1].startswith("/echo?pick=query&api_key=tok-")
    assert out({"url": server.url("/echo#part"), "credential": "c"}, credentials={"c": cred})[0]["query"] == "api_key=***"


def test_credential_only_for_its_hosts(server):
    cred = {**BEARER, "hosts": ["api.example.com", "*.example.org"]}
    [got] = out({"url": server.url("/echo"), "credential": "c"}, credentials={"c": cred})
    assert "authorization" not in got["headers"]
    # nor after a redirect to another host
    elsewhere = server.url("/echo").replace("127.0.0.1", "localhost")
    cred = {"type": "header", "name": "X-Key", "value": SECRET, "hosts": ["127.0.0.1"]}
    [got] = out({"url": server.url(f"/redirect?to={elsewhere}"), "credential": "c"},
                credentials={"c": cred}, allow_net=["127.0.0.1", "localhost"])  # fmt: skip
    assert "x-key" not in got["headers"] and server.log[1][2]["X-Key"] == SECRET


def test_missing_or_broken_credential(server):
    message = error({"url": server.url("/echo"), "credential": "gh"})
    assert "no credential named 'gh'" in message and "NODEFOX_CREDENTIAL_GH" in message
    message = error({"url": server.url("/echo"), "credential": "gh"},
                    credentials={"gh": {"type": "bearer", "hosts": ["127.0.0.1"]}})  # fmt: skip
    assert message == "credential 'gh': 'token' must be text (bearer credentials need token)"
    assert server.log == []


def test_secret_is_hidden_in_network_errors():
    cred = {"type": "query", "name": "key", "value": SECRET, "hosts": ["127.0.0.1"]}
    message = error({"url": NOBODY, "credential": "c"}, credentials={"c": cred})
    assert SECRET not in message


def test_a_secret_cut_by_an_error_message_is_hidden_whole(server):
    # the body is quoted up to 200 characters: the secret crosses the cut
    message = error({"url": server.url("/say?status=404&text=" + "x" * 190 + SECRET), "credential": "c"},
                    credentials={"c": BEARER})  # fmt: skip
    assert SECRET[:8] not in message and "HTTP 404" in message
    message = error({"url": server.url("/say?ctype=application/json&text=" + "x" * 30 + SECRET),
                     "credential": "c"}, credentials={"c": BEARER})  # fmt: skip
    assert "is not valid JSON" in message and SECRET[:8] not in message


def test_a_secret_with_a_run_of_whitespace_is_hidden_in_error_messages(server):
    # the quoted body has its whitespace collapsed: the secret must go before that changes it
    secret = "two  spaces\tand a tab"
    cred = {"type": "header", "name": "X-Key", "value": secret, "hosts": ["127.0.0.1"]}
    said = quote(f"denied {secret} here")
    message = error({"url": server.url(f"/say?status=401&text={said}"), "credential": "c"}, credentials={"c": cred})
    assert message.endswith(": denied *** here"), message
    message = error({"url": server.url(f"/say?ctype=application/json&text={quote(secret)}"), "credential": "c"},
                    credentials={"c": cred})  # fmt: skip
    assert "(it starts '***')" in message, message


def test_a_response_kept_as_a_file_hides_secrets(server):
    [got] = out({"url": server.url("/echo"), "credential": "c", "response": "file"}, credentials={"c": BEARER})
    text = base64.b64decode(got["file"]["data"]).decode()
    assert SECRET not in text and "Bearer ***" in text
    # a redirect may put a secret into the URL the file came from (its directory)
    url = server.url("/redirect?to=" + quote(f"/text?k={SECRET}"))
    [got] = out({"url": url, "credential": "c", "response": "file"}, credentials={"c": BEARER})
    assert got["file"]["directory"].endswith("/text?k=***"), got


@pytest.mark.parametrize("url", [
    "http://localhost:{port}\\@127.0.0.1:{port}/echo",  # urllib3 and browsers: localhost
    "http://127.0.0.1:{port}\t/echo",
    "http://%31%32%37.0.0.1:{port}/echo",
    "http://b\u00fccher.de/",
])  # fmt: skip
def test_a_url_whose_host_url_readers_disagree_on_is_refused(server, url):
    url = url.format(port=server.url("").rsplit(":", 1)[1].strip("/"))
    message = error({"url": url, "credential": "c"}, credentials={"c": BEARER}, allow_net=["127.0.0.1"])
    assert "is not a valid URL" in message
    assert server.log == []


def test_hosts_as_every_url_reader_sees_them():
    assert net.host_of("http://user:p%40ss@API.example.com:8080/a\\b c?q=\\") == "api.example.com"
    assert net.host_of("http://[::1]:8080/x") == "::1"
    assert net.host_of("https://xn--bcher-kva.de/") == "xn--bcher-kva.de"


def test_env_credential_name_matches_loosely():
    assert credentials.find({"my_api": BEARER}, "my-api") is BEARER
    assert credentials.find({"github": BEARER}, "GitHub") is BEARER
    assert credentials.find({"github": BEARER}, "gitlab") is None


# -- the session's cache and the transport ---------------------------------------------


def test_reads_are_cached_when_the_world_has_a_cache(server):
    world = World(allow_net=True, cache=ReadCache())
    request = net.Request("GET", server.url("/json"), {}, None, 5.0)
    first = net.fetch(world, "n1", request)
    again = net.fetch(world, "n1", request)
    assert again is first and len(server.log) == 1
    assert net.fetch(world, "n2", request) is first  # by the request's key: another node shares it
    assert len(server.log) == 1
    assert world.cache.drop("n1") == {"n1", "n2"}  # one node's refresh: both read again
    net.fetch(world, "n2", request)
    assert len(server.log) == 2
    write = net.Request("POST", server.url("/echo"), {}, b"{}", 5.0)
    net.fetch(world, "n1", write)
    net.fetch(world, "n1", write)
    assert len(server.log) == 4  # writes are never cached
    world.allow_net = ["example.com"]  # a cached read still needs its permission
    with pytest.raises(nodefox.NodeError, match="not allowed to contact 127.0.0.1"):
        net.fetch(world, "n1", request)


def test_no_cache_in_a_whole_run(server):
    out({"url": server.url("/json")}, [{}, {}])
    assert len(server.log) == 2


def test_a_given_transport_replaces_the_network():
    calls = []

    def transport(method, url, headers, body, timeout):
        calls.append((method, url, headers, body, timeout))
        return 200, "OK", [("Content-Type", "application/json"), ("X-A", "1"), ("x-a", "2")], b'{"fake":true}'

    entry = run_http({"url": "https://api.example.com/v1?x=1", "method": "POST", "body": [1],
                      "credential": "c", "full": True, "timeoutMs": 2500},  # fmt: skip
                     credentials={"c": {**BEARER, "hosts": ["api.example.com"]}}, transport=transport)
    assert calls == [("POST", "https://api.example.com/v1?x=1",
                      {"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"}, b"[1]", 2.5)]  # fmt: skip
    assert entry["outputs"]["out"] == [{"status": 200, "headers": {"content-type": "application/json", "x-a": "1, 2"},
                                        "body": {"fake": True}}]  # fmt: skip


# -- credentials natively --------------------------------------------------------------


def test_load_reads_the_file_and_the_environment(tmp_path):
    file = tmp_path / "creds.json"
    file.write_text(json.dumps({"api": BEARER}))
    file.chmod(0o600)
    env = {"NODEFOX_CREDENTIAL_GITHUB": json.dumps({**BEARER, "hosts": ["api.github.com"]}), "HOME": "/x"}
    got = credentials.load(str(file), env)
    assert got == {"api": BEARER, "github": {**BEARER, "hosts": ["api.github.com"]}}


def test_load_refuses_a_file_others_can_read(tmp_path):
    file = tmp_path / "creds.json"
    file.write_text(json.dumps({"api": BEARER}))
    file.chmod(0o644)
    with pytest.raises(credentials.CredentialError, match=r"can be read by other users \(mode 644\).*chmod 600"):
        credentials.load(str(file), {})


def test_load_messages_never_quote_the_secret(tmp_path):
    file = tmp_path / "creds.json"
    file.write_text('{"api": {"type": "bearer", "token": "' + SECRET + '", }}')
    file.chmod(0o600)
    with pytest.raises(credentials.CredentialError) as info:
        credentials.load(str(file), {})
    assert "not valid JSON" in str(info.value) and SECRET not in str(info.value)
    with pytest.raises(credentials.CredentialError) as info:
        credentials.load(None, {"NODEFOX_CREDENTIAL_X": json.dumps({"type": "bearer", "token": SECRET})})
    assert "$NODEFOX_CREDENTIAL_X" in str(info.value) and "hosts" in str(info.value)
    assert SECRET not in str(info.value)


def test_a_missing_default_file_is_no_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert credentials.load(None, {}) == {}
    with pytest.raises(credentials.CredentialError, match="cannot read credentials file"):
        credentials.load(str(tmp_path / "nope.json"), {})


# -- the command line ------------------------------------------------------------------


def nodefox_run(tmp_path: Path, doc: dict, *flags: str, env: dict | None = None) -> subprocess.CompletedProcess:
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps(doc))
    environ = {**os.environ, "HOME": str(tmp_path), **(env or {})}
    environ = {k: v for k, v in environ.items() if not k.startswith("NODEFOX_CREDENTIAL_") or k in (env or {})}
    proc = subprocess.run([sys.executable, "-m", "nodefox", "run", *flags, str(flow)], capture_output=True,
                          text=True, timeout=60, env=environ, check=False)  # fmt: skip
    assert "Traceback" not in proc.stderr
    return proc


def per_item_doc(base: str) -> dict:
    return http_doc({"url": f"={base}/echo?id={{{{ $json.id }}}}", "credential": "api"},
                    [{"id": 1}, {"id": 2}, {"id": 3}])  # fmt: skip


def cred_file(tmp_path: Path, mode: int = 0o600) -> str:
    file = tmp_path / "credentials.json"
    file.write_text(json.dumps({"api": BEARER}))
    file.chmod(mode)
    return str(file)


def test_cli_refuses_the_network_without_allow_net(server, tmp_path):
    proc = nodefox_run(tmp_path, http_doc({"url": server.url("/json")}))
    assert proc.returncode == 1
    message = json.loads(proc.stdout)["nodes"]["h"]["error"]["message"]
    assert "--allow-net=127.0.0.1" in message and server.log == []


def test_cli_per_item_get_with_a_bearer_credential(server, tmp_path):
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net", "--credentials", cred_file(tmp_path))
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)["nodes"]["h"]["outputs"]["out"]
    assert [i["query"] for i in items] == ["id=1", "id=2", "id=3"]
    assert all(i["headers"]["authorization"] == "Bearer ***" for i in items)
    assert [r[2]["Authorization"] for r in server.log] == [f"Bearer {SECRET}"] * 3
    assert SECRET not in proc.stdout + proc.stderr


def test_cli_allow_net_hosts_and_the_default_credentials_file(server, tmp_path):
    (tmp_path / ".config" / "nodefox").mkdir(parents=True)
    default = tmp_path / ".config" / "nodefox" / "credentials.json"
    default.write_text(json.dumps({"api": BEARER}))
    default.chmod(0o600)
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net=example.com,127.0.0.1")
    assert proc.returncode == 0, proc.stderr
    assert len(server.log) == 3 and SECRET not in proc.stdout + proc.stderr
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net=example.com")
    assert proc.returncode == 1 and len(server.log) == 3


def test_cli_credential_from_the_environment(server, tmp_path):
    env = {"NODEFOX_CREDENTIAL_API": json.dumps(BEARER)}
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net", env=env)
    assert proc.returncode == 0, proc.stderr
    assert [r[2]["Authorization"] for r in server.log] == [f"Bearer {SECRET}"] * 3
    assert SECRET not in proc.stdout + proc.stderr


def test_cli_a_500_fails_its_item(server, tmp_path):
    doc = http_doc({"url": f"={server.base}/status/{{{{ $json.code }}}}"}, [{"code": 200}, {"code": 500}])
    proc = nodefox_run(tmp_path, doc, "--allow-net")
    assert proc.returncode == 1
    entry = json.loads(proc.stdout)["nodes"]["h"]
    assert entry["status"] == "error" and entry["error"]["item"] == 1
    assert entry["error"]["message"].startswith(f"HTTP 500 Internal Server Error from GET {server.base}/status/500")
    doc["nodes"][1]["onError"] = "continue"
    proc = nodefox_run(tmp_path, doc, "--allow-net")
    assert proc.returncode == 0 and json.loads(proc.stdout)["nodes"]["h"]["warnings"][0].startswith("item 1: HTTP 500")


def test_cli_refuses_a_credentials_file_others_can_read(server, tmp_path):
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net", "--credentials",
                       cred_file(tmp_path, 0o644))  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert "can be read by other users" in proc.stderr and "chmod 600" in proc.stderr
    assert SECRET not in proc.stderr and server.log == []


def test_cli_secret_never_printed_on_errors(server, tmp_path):
    cred = {"type": "query", "name": "key", "value": SECRET, "hosts": ["127.0.0.1"]}
    env = {"NODEFOX_CREDENTIAL_API": json.dumps(cred)}
    doc = http_doc({"url": NOBODY, "credential": "api"})
    proc = nodefox_run(tmp_path, doc, "--allow-net", env=env)
    assert proc.returncode == 1 and SECRET not in proc.stdout + proc.stderr
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net", "--pretty", env=env)
    assert proc.returncode == 0 and SECRET not in proc.stdout + proc.stderr
    assert "key=***" in proc.stdout
    bad = {"NODEFOX_CREDENTIAL_API": '{"type": "bearer", "token": "' + SECRET + '"'}
    proc = nodefox_run(tmp_path, per_item_doc(server.base), "--allow-net", env=bad)
    assert proc.returncode == 2 and "NODEFOX_CREDENTIAL_API is not valid JSON" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr


def test_cli_allow_net_takes_hosts_not_ports(tmp_path):
    proc = nodefox_run(tmp_path, http_doc({"url": "http://127.0.0.1:9/x"}), "--allow-net=127.0.0.1:9")
    assert proc.returncode == 2 and "host names, not URLs or ports" in proc.stderr


def test_the_flag_a_refused_ipv6_address_names_is_one_the_cli_takes(tmp_path):
    doc = http_doc({"url": f"http://[::1]:{_closed_port()}/x"})
    proc = nodefox_run(tmp_path, doc)
    message = json.loads(proc.stdout)["nodes"]["h"]["error"]["message"]
    assert "not allowed to contact ::1: pass --allow-net=[::1] " in message, message
    proc = nodefox_run(tmp_path, doc, "--allow-net=[::1]")  # the flag it named: allowed, so sent
    assert "not allowed" not in json.loads(proc.stdout)["nodes"]["h"]["error"]["message"]


def test_cli_runs_without_credentials_when_no_node_names_one(tmp_path):
    (tmp_path / ".config" / "nodefox").mkdir(parents=True)
    default = tmp_path / ".config" / "nodefox" / "credentials.json"
    default.write_text("{}")
    default.chmod(0o644)  # would be refused, but nothing asks for it
    proc = nodefox_run(tmp_path, document([node("t", "trigger")]))
    assert proc.returncode == 0, proc.stderr


def test_header_values_must_fit_latin1(server):
    assert out({"url": server.url("/echo"), "headers": {"X-Name": "café"}})[0]["headers"]["x-name"] == "café"
    message = error({"url": server.url("/echo"), "headers": {"X-Name": "€uro"}})
    assert message.startswith("header 'X-Name': its value has characters HTTP headers cannot carry")
    assert server.log == [server.log[0]]


def test_a_redirect_out_of_http_is_refused(server):
    url = server.url("/redirect?to=file:///etc/passwd")
    assert error({"url": url}) == f"GET {url} redirects to 'file:///etc/passwd', not an HTTP URL"
