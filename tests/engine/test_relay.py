"""`/relay` of `nodefox serve` (`relay.py`) and the engine's relay transport (`net.py`):
a real server process, over real HTTP, against the test API (tests/httpserver.py)."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from nodefox import net
from nodefox.relay import MAX_REQUEST, allowed_hosts, refusal
from nodefox.world import World
from server_helpers import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)


@pytest.fixture(scope="module")
def nodefox_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("relay"))
    yield server
    server.stop()


def relay(server: Server, target: str | None, *, allow: str = "127.0.0.1", token: str | None = None,
          method: str = "POST", headers: dict | None = None, body: bytes | None = None,
          host: str | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:  # fmt: skip
    """Ask the relay; (status, headers with lower-case names, body)."""
    sent = {"X-NodeFox-Token": server.token if token is None else token, "X-NodeFox-Allow": allow}
    if target is not None:
        sent["X-NodeFox-Target"] = target
    if host is not None:
        sent["Host"] = host
    sent.update(headers or {})
    req = urllib.request.Request(server.url + "/relay", data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def raw_get(url: str) -> tuple[int, list, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers.items(), resp.read()


# -- the relay route ---------------------------------------------------------------------------


def test_a_nocors_answer_is_relayed_byte_for_byte(nodefox_server, http_server):  # noqa: F811
    status, got, body = relay(nodefox_server, http_server.url("/nocors"), method="GET")
    direct_status, direct_headers, direct_body = raw_get(http_server.url("/nocors"))
    assert status == 200 and got["x-nodefox-relay"] == "ok"
    assert body == direct_body == b'{"cors":false}'
    assert int(got["x-nodefox-status"]) == direct_status == 200
    assert got["x-nodefox-reason"] == "OK"
    upstream = [tuple(p) for p in json.loads(got["x-nodefox-headers"])]
    assert upstream == [tuple(p) for p in direct_headers]
    assert "access-control-allow-origin" not in got  # the relay adds no CORS either
    assert got["cache-control"] == "no-store"


def test_the_upstream_request_carries_exactly_the_engine_s_headers(nodefox_server, http_server):  # noqa: F811
    headers = {"X-NodeFox-Method": "PUT", "X-NodeFox-Headers": json.dumps({"X-Thing": "é 1", "Connection": "close"}),
               "Cookie": "ours=1", "Content-Type": "text/plain"}  # fmt: skip
    status, got, body = relay(nodefox_server, http_server.url("/echo"), headers=headers, body=b"payload")
    assert status == 200 and got["x-nodefox-status"] == "200"
    echoed = json.loads(body)
    assert echoed["method"] == "PUT" and echoed["body"] == "payload"
    sent = echoed["headers"]
    assert "cookie" not in sent and not any(k.startswith("x-nodefox") for k in sent)
    assert sent["x-thing"] == "é 1"  # as a direct request sends it (Latin-1)
    assert sent["user-agent"].startswith("nodefox/")


def test_redirects_and_errors_come_back_as_the_api_said_them(nodefox_server, http_server):  # noqa: F811
    status, got, _ = relay(nodefox_server, http_server.url("/redirect?to=/json&code=302"), method="GET")
    assert status == 200 and got["x-nodefox-status"] == "302"  # not followed by the relay
    assert ["location", "/json"] in [[k.lower(), v] for k, v in json.loads(got["x-nodefox-headers"])]
    status, got, body = relay(nodefox_server, http_server.url("/status/404"), method="GET")
    assert (status, got["x-nodefox-status"], got["x-nodefox-reason"]) == (200, "404", "Not Found")
    assert json.loads(body) == {"error": "status 404 on purpose"}


def test_the_token_is_required(nodefox_server, http_server):  # noqa: F811
    for token in ("", "not-the-token"):
        status, got, body = relay(nodefox_server, http_server.url("/nocors"), token=token)
        assert status == 401 and got["x-nodefox-relay"] == "error"
        assert "token" in json.loads(body)["error"]
    assert not http_server.requests("/nocors?never")


def test_only_hosts_the_workflow_was_allowed(nodefox_server, http_server):  # noqa: F811
    http_server.log.clear()
    for allow in ("", "example.com", "*.example.com", "127.0.0.2"):
        status, got, body = relay(nodefox_server, http_server.url("/json?refused"), allow=allow)
        assert status == 403 and got["x-nodefox-relay"] == "error"
        assert "not allowed to contact 127.0.0.1" in json.loads(body)["error"]
    assert http_server.requests("/json?refused") == []
    assert relay(nodefox_server, http_server.url("/json"), allow="*")[0] == 200
    assert relay(nodefox_server, http_server.url("/json"), allow="example.com, 127.0.0.1")[0] == 200


def test_a_body_over_the_limit_is_413_and_nothing_is_sent(nodefox_server, http_server):  # noqa: F811
    http_server.log.clear()
    status, got, body = relay(nodefox_server, http_server.url("/echo?big"), body=b"x" * (MAX_REQUEST + 1))
    assert status == 413 and got["x-nodefox-relay"] == "error" and "10 MB" in json.loads(body)["error"]
    assert http_server.requests("/echo?big") == []


@pytest.mark.parametrize("headers, says", [
    ({}, "X-NodeFox-Target"),
    ({"X-NodeFox-Method": "TRACE"}, "x-nodefox-method"),
    ({"X-NodeFox-Headers": "[1]"}, "JSON object"),
    ({"X-NodeFox-Timeout": "nan"}, "timeout"),
])  # fmt: skip
def test_a_malformed_request_is_400(nodefox_server, http_server, headers, says):  # noqa: F811
    target = None if not headers else http_server.url("/json")
    status, got, body = relay(nodefox_server, target, headers=headers)
    assert status == 400 and got["x-nodefox-relay"] == "error" and says.lower() in json.loads(body)["error"].lower()


def test_no_response_is_a_502_with_the_direct_reason(nodefox_server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    status, got, body = relay(nodefox_server, f"http://127.0.0.1:{closed}/x")
    assert status == 502 and got["x-nodefox-relay"] == "error"
    assert json.loads(body) == {"error": "connection refused"}


def test_the_host_check_still_applies(nodefox_server, http_server):  # noqa: F811
    status, _, body = relay(nodefox_server, http_server.url("/json"), host="evil.example:80")
    assert status == 400 and "Host" in json.loads(body)["error"]


def test_who_may_use_it():
    assert refusal("127.0.0.1", True, "t", "t", "same-origin") is None
    assert refusal("::1", True, "t", "t", None) is None
    assert refusal("192.168.1.7", True, "t", "t", None)[0] == 403  # not a loopback client
    assert refusal("127.0.0.1", False, "t", "t", None)[0] == 403  # a server bound beyond loopback
    assert refusal("127.0.0.1", True, "t", "t", "cross-site")[0] == 403
    assert refusal("127.0.0.1", True, "t", "u", None)[0] == 401
    assert allowed_hosts("*") is True and allowed_hosts(" a.com, b.com ,") == ["a.com", "b.com"]
    assert allowed_hosts("") is None


def test_a_server_on_all_interfaces_refuses_the_relay(tmp_path, http_server):  # noqa: F811
    server = Server(tmp_path, host="0.0.0.0")
    try:
        status, got, body = relay(server, http_server.url("/json"), token="anything")
        assert status == 403 and "loopback" in json.loads(body)["error"]
    finally:
        server.stop()


def test_a_slow_answer_is_asked_for_in_slices_and_can_be_dropped(nodefox_server, http_server):  # noqa: F811
    wait = {"X-NodeFox-Wait": "0.2", "X-NodeFox-Timeout": "5"}
    status, got, _ = relay(nodefox_server, http_server.url("/slow?ms=700"), method="GET", headers=wait)
    assert status == 202 and got["x-nodefox-relay"] == "pending"
    job = got["x-nodefox-job"]
    asks = 1
    while status == 202:
        status, got, body = relay(nodefox_server, None, headers={**wait, "X-NodeFox-Job": job})
        asks += 1
    assert status == 200 and json.loads(body) == {"slow": True} and asks >= 3
    status, got, _ = relay(nodefox_server, None, headers={"X-NodeFox-Job": job})  # collected already
    assert status == 404 and got["x-nodefox-relay"] == "error"
    status, got, _ = relay(nodefox_server, http_server.url("/slow?ms=2000"), headers=wait)
    job = got["x-nodefox-job"]
    assert relay(nodefox_server, None, method="DELETE", headers={"X-NodeFox-Job": job})[0] == 204
    assert relay(nodefox_server, None, headers={"X-NodeFox-Job": job})[0] == 404


# -- the engine through the relay ------------------------------------------------------------


def worlds(server: Server, allow) -> tuple[World, World]:
    return World(allow_net=allow), World(allow_net=allow, relay={"url": server.url + "/relay", "token": server.token})


@pytest.mark.parametrize("path", ["/nocors", "/json", "/empty", "/status/500", "/redirect?to=/list", "/big?kb=300",
                                  "/linked?page=1&last=2", "/text"])  # fmt: skip
def test_the_engine_sees_what_a_direct_request_sees(nodefox_server, http_server, path):  # noqa: F811
    direct, relayed = worlds(nodefox_server, ["127.0.0.1"])
    request = net.Request("GET", http_server.url(path), {"Accept": "*/*"}, None, 10.0)
    assert net.fetch(relayed, "h", request) == net.fetch(direct, "h", request)


def test_the_engine_s_permission_comes_first(nodefox_server, http_server):  # noqa: F811
    _, relayed = worlds(nodefox_server, ["example.com"])
    http_server.log.clear()
    with pytest.raises(net.NodeError, match="not allowed to contact 127.0.0.1"):
        net.fetch(relayed, "h", net.Request("GET", http_server.url("/json?first"), {}, None, 10.0))
    assert http_server.requests("/json?first") == []


def test_failures_read_as_a_direct_request_s(nodefox_server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/x"
    messages = []
    for world in worlds(nodefox_server, True):
        with pytest.raises(net.NodeError) as caught:
            net.fetch(world, "h", net.Request("GET", url, {}, None, 5.0))
        messages.append(str(caught.value))
    assert messages[0] == messages[1] == f"GET {url} got no response: connection refused"


def test_a_timeout_reads_as_a_direct_one(nodefox_server, http_server):  # noqa: F811
    url = http_server.url("/slow?ms=3000")
    messages = []
    for world in worlds(nodefox_server, True):
        start = time.monotonic()
        with pytest.raises(net.NodeError) as caught:
            net.fetch(world, "h", net.Request("GET", url, {}, None, 0.6))
        assert time.monotonic() - start < 2.5
        messages.append(str(caught.value))
    assert messages[0] == messages[1] == f"GET {url} got no response: timed out after 600 ms"


def test_a_wrong_token_is_a_clear_node_error(nodefox_server, http_server):  # noqa: F811
    world = World(allow_net=True, relay={"url": nodefox_server.url + "/relay", "token": "stale"})
    with pytest.raises(net.NodeError, match="relay of the editor.s server refused the request: .*token.*reload the page"):
        net.fetch(world, "h", net.Request("GET", http_server.url("/json"), {}, None, 5.0))


def test_an_interrupt_while_waiting_drops_the_relayed_request(nodefox_server, http_server):  # noqa: F811
    """What the page's Stop does in the worker: KeyboardInterrupt between two asks."""
    _, relayed = worlds(nodefox_server, True)
    import _thread
    import signal

    # Python's own handler: a process started in the background by a shell ignores SIGINT,
    # and then interrupt_main does nothing
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.6, _thread.interrupt_main)
    try:
        timer.start()
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            net.fetch(relayed, "h", net.Request("GET", http_server.url("/slow?ms=20000"), {}, None, 60.0))
        assert time.monotonic() - start < 3
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_the_page_configures_the_relay_and_a_session_uses_it(nodefox_server, http_server):  # noqa: F811
    from nodefox import bridge

    answer = json.loads(bridge.configure(json.dumps({"relay": {"url": nodefox_server.url + "/relay",
                                                               "token": nodefox_server.token}})))  # fmt: skip
    try:
        assert answer["relay"] == nodefox_server.url + "/relay" and nodefox_server.token not in json.dumps(answer)
        http_server.log.clear()
        doc = {"nodefox": 1, "nodes": [{"id": "d", "type": "data", "params": {"items": [{}]}},
                                       {"id": "h", "type": "http", "params": {"url": http_server.url("/nocors")}}],
               "edges": [{"id": "e", "source": "d", "target": "h"}]}  # fmt: skip
        got = json.loads(bridge.handle(json.dumps({"rev": 1, "ops": [
            {"op": "set_permissions", "net": ["127.0.0.1"]}, {"op": "load", "workflow": doc}]})))  # fmt: skip
        assert got["nodes"]["h"]["preview"]["out"] == [{"cors": False}]
        assert http_server.requests("/nocors")[0][2]["User-Agent"].startswith("nodefox/")
    finally:
        assert json.loads(bridge.configure(json.dumps({"relay": None})))["relay"] is None
        bridge.handle(json.dumps({"rev": 2, "ops": [{"op": "load", "workflow": {"nodefox": 1, "nodes": [], "edges": []}},
                                                    {"op": "set_permissions", "net": False}]}))  # fmt: skip


def test_a_job_dropped_while_someone_waits_for_it_answers_404(nodefox_server, http_server):  # noqa: F811
    wait = {"X-NodeFox-Wait": "0.2", "X-NodeFox-Timeout": "5"}
    job = relay(nodefox_server, http_server.url("/slow?ms=3000"), headers=wait)[1]["x-nodefox-job"]
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(
        relay(nodefox_server, None, headers={"X-NodeFox-Wait": "4", "X-NodeFox-Job": job})))
    waiter.start()
    time.sleep(0.3)
    assert relay(nodefox_server, None, method="DELETE", headers={"X-NodeFox-Job": job})[0] == 204
    waiter.join(10)
    status, got, body = answers[0]
    assert status == 404 and got["x-nodefox-relay"] == "error" and "dropped" in json.loads(body)["error"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
def test_the_relay_does_not_send_to_its_own_server(nodefox_server, name):
    status, got, body = relay(nodefox_server, f"http://{name}:{nodefox_server.port}/api/session", allow="*")
    assert status == 403 and got["x-nodefox-relay"] == "error" and "own server" in json.loads(body)["error"]
