"""A bounded soak of a real ``roqmock serve``: mixed traffic for a while, memory sampled, flat or fail.

    python tests/guarantees/soak.py [--seconds 60]

Workers send reads (conversations with members and tags, messages, users, files), writes (messages,
conversations, tags, deletes), bad requests (bad JSON, bad tokens, bad uuids, unparsable and too deep
queries, unknown paths, wrong methods, oversized bodies, a new document text each time), faults (errors
and latency injected through the control API) and session traffic (``x-roqmock-session``), while a
resetter posts ``/__roqmock/reset`` and ends the sessions every couple of seconds, as a CI job does
between suites. The server's RSS (``VmRSS`` of ``/proc/<pid>/status``) is sampled every few seconds.

It fails (exit 1) when:

* memory grows: the second half's largest sample is more than ``--bound`` (20%) above the first half's
  (the first half holds the warm-up: caches filling, the journal reaching its level between resets);
* anything answers a 5xx, an INTERNAL_ERROR, or drops a connection, or a good request is refused for
  any reason but an injected fault;
* after the last reset the world is not the baseline again.

The journal is bounded (the last 10,000 calls, and 32 MB of variables), and so are the document cache
and the sessions; the world is not: without resets it grows with every write, by design (it is a
database). With ``--no-resets`` this soak shows that growth and fails on it, which is how it proves it
can fail.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere: the repository's roqmock
    sys.path.insert(0, str(ROOT))

from roqmock import documents  # noqa: E402
from roqmock.seed import BOT_REFERENCE, WorldSize  # noqa: E402
from roqmock.testing import RoqServer, start_server  # noqa: E402

SIZE = WorldSize(users=8, conversations=6, messages=60, files=3, tenants=2)
SESSIONS = ("soak-a", "soak-b", "soak-c")
FAULT_CODE = "SOAK_FAULT"  # what injected errors answer with, to tell them from real failures


def rss_kb(pid: int) -> int:
    """The resident set size of process ``pid``, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Tally:
    """What the workers did and what went wrong, shared under a lock."""

    kinds: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str) -> None:
        with self.lock:
            self.kinds[kind] += 1

    def problem(self, text: str) -> None:
        with self.lock:
            self.kinds["problems"] += 1
            if len(self.problems) < 50:
                self.problems.append(text)


class Worker:
    """One client: its own connection pool, tokens and random choices."""

    def __init__(
        self, server: RoqServer, state: dict[str, Any], tally: Tally, seed: int, body_bytes: int
    ) -> None:
        self.server, self.tally = server, tally
        self.random = random.Random(seed)
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.body_bytes = body_bytes
        self.tokens: dict[tuple[str | None, str | None], str] = {}
        self.people = [u["id"] for u in state["users"] if u["reference"] != BOT_REFERENCE]
        members: dict[str, list[str]] = {c["id"]: [] for c in state["conversations"]}
        for row in state["conversationUsers"]:
            members[row["conversationId"]].append(row["userId"])
        self.conversations = [(cid, users) for cid, users in members.items() if users]
        self.mine: list[str] = []  # conversations this worker made (gone after a reset)

    # -- plumbing

    def headers(
        self, session: str | None, user_id: str | None = None, *, token: bool = True
    ) -> dict[str, str]:
        headers = {"roq-platform-server-authorization": self.server.server_header}
        if session is not None:
            headers["x-roqmock-session"] = session
        if token:
            headers["roq-platform-authorization"] = f"Bearer {self.token(session, user_id)}"
        return headers

    def token(self, session: str | None, user_id: str | None) -> str:
        key = (session, user_id)
        if key not in self.tokens:
            credentials = {"environmentId": self.server.environment_id, "apiKey": self.server.api_key}
            base = self.headers(session, token=False)
            response = self.http.post("/v01/authorize/serviceAccount", json=credentials, headers=base)
            token = response.json()["accessToken"]
            if user_id is not None:
                response = self.http.post(
                    "/v01/authorize",
                    json={**credentials, "userId": user_id},
                    headers={**base, "roq-platform-authorization": f"Bearer {token}"},
                )
                if response.status_code != 200:
                    raise RuntimeError(
                        f"no token for {user_id}: {response.status_code} {response.text[:200]}"
                    )
                token = response.json()["accessToken"]
            self.tokens[key] = token
        return self.tokens[key]

    def graphql(
        self, kind: str, query: str, variables: dict[str, Any], session: str | None, user_id: str | None
    ) -> dict[str, Any] | None:
        """A request that must succeed, unless an injected fault fails it."""
        self.tally.count(kind)
        response = self.http.post(
            "/v01/server/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers(session, user_id),
        )
        body: dict[str, Any] = response.json()
        errors = body.get("errors") or []
        codes = {e.get("extensions", {}).get("response", {}).get("errorCode") for e in errors}
        if response.status_code == 200 and not errors:
            return body
        if codes == {FAULT_CODE}:
            self.tally.count("faulted")
            return None
        if kind == "delete" and codes == {"CONVERSATION_NOT_FOUND"}:
            return None  # one of ours, gone with a reset
        self.tally.problem(f"{kind}: HTTP {response.status_code} {json.dumps(body)[:300]}")
        return None

    def expect_refusal(self, kind: str, response: httpx.Response) -> None:
        """A bad request: any 4xx (or a GraphQL error) will do; a 5xx or an INTERNAL_ERROR will not."""
        self.tally.count(kind)
        text = response.text
        if response.status_code >= 500 or "INTERNAL_ERROR" in text:
            self.tally.problem(f"{kind}: HTTP {response.status_code} {text[:300]}")
        elif response.status_code == 200 and '"errors"' not in text:
            self.tally.problem(f"{kind}: accepted: {text[:300]}")

    # -- traffic

    def step(self) -> None:
        session = self.random.choice(SESSIONS) if self.random.random() < 0.3 else None
        action = self.random.choices(
            ["read", "write", "bad", "fault", "control"], weights=[45, 30, 18, 4, 3]
        )[0]
        getattr(self, action)(session)

    def read(self, session: str | None) -> None:
        conversation_id, members = self.random.choice(self.conversations)
        user = self.random.choice(members)
        which = self.random.randrange(5)
        if which == 0:
            variables = {"withUsers": True, "withTags": True, "limit": self.random.randint(0, 20)}
            self.graphql("read", documents.CONVERSATIONS, variables, session, user)
        elif which == 1:
            variables = {
                "filter": {"conversationId": {"equalTo": conversation_id}},
                "limit": 10,
                "offset": self.random.randint(0, 40),
            }
            self.graphql("read", documents.MESSAGES, {**variables, "withFile": True}, session, user)
        elif which == 2:
            variables = {"search": {"key": "body", "value": self.random.choice("aeiou")}, "limit": 10}
            self.graphql("read", documents.MESSAGES, variables, session, None)
        elif which == 3:
            self.graphql("read", documents.USERS, {"withRoles": True, "withTenant": True}, session, user)
        else:
            self.graphql("read", documents.FILES, {}, session, user)

    def write(self, session: str | None) -> None:
        which = self.random.randrange(10)
        if which < 6:
            conversation_id, members = self.random.choice(self.conversations)
            author = self.random.choice(members)
            body = f"soak {self.random.getrandbits(64):x} " + "x" * self.body_bytes
            message = {"authorId": author, "body": body, "conversationId": conversation_id, "isSystem": False}
            self.graphql("write", documents.CREATE_MESSAGE, {"message": message}, session, author)
        elif which < 8:
            owner, other = self.random.sample(self.people, 2)
            dto = {"title": f"soak {self.random.random()}", "ownerId": owner, "memberIds": [owner, other]}
            dto["tags"] = self.random.sample(["a", "b", "c", "d"], 2)
            body = self.graphql("write", documents.CREATE_CONVERSATION, {"conversation": dto}, session, owner)
            if body is not None and session is None:
                self.mine.append(body["data"]["createConversation"]["id"])
        elif which == 8:
            conversation_id, _ = self.random.choice(self.conversations)
            tags = {"tags": [f"t{self.random.randrange(50)}"], "conversationId": conversation_id}
            self.graphql("write", documents.ASSIGN_TAGS, tags, session, None)
        elif self.mine:
            self.graphql("delete", documents.DELETE_CONVERSATION, {"id": self.mine.pop()}, None, None)

    def bad(self, session: str | None) -> None:
        which = self.random.randrange(10)
        graph = "/v01/server/graphql"
        headers = self.headers(session, self.random.choice(self.people))
        if which == 0:
            response = self.http.post(graph, content=b"{not json", headers=headers)
        elif which == 1:
            response = self.http.post(
                graph,
                json={"query": documents.CONVERSATIONS},
                headers={**headers, "roq-platform-authorization": "Bearer x.y.z"},
            )
        elif which == 2:
            variables = {"filter": {"conversationId": {"equalTo": "not-a-uuid"}}}
            response = self.http.post(
                graph, json={"query": documents.MESSAGES, "variables": variables}, headers=headers
            )
        elif which == 3:
            response = self.http.post(graph, json={"query": "query { conversations { "}, headers=headers)
        elif which == 4:
            too_deep = "{ messages { data { file { createdByUser { tenant { id } } } } } }"  # depth 5
            response = self.http.post(graph, json={"query": too_deep}, headers=headers)
        elif which == 5:
            response = self.http.get(f"/v01/nowhere/{self.random.randrange(10**6)}", headers=headers)
        elif which == 6:
            response = self.http.delete(graph, headers=headers)
        elif which == 7:
            response = self.http.post(graph, content=b"x" * (1024 * 1024 + 1), headers=headers)
        elif which == 8:
            # a new document text every time: the parsed-document cache must stay bounded
            name, limit = self.random.getrandbits(40), self.random.randrange(1, 9)
            query = f"query q{name} {{ conversations(limit: -{limit}) {{ totalCount }} }}"
            response = self.http.post(graph, json={"query": query}, headers=headers)
        else:
            forged = {
                "authorId": self.people[0],
                "body": "forged",
                "conversationId": self.conversations[0][0],
                "isSystem": False,
            }
            response = self.http.post(
                graph,
                json={"query": documents.CREATE_MESSAGE, "variables": {"message": forged}},
                headers=self.headers(session, self.people[1]),
            )
        self.expect_refusal("bad", response)

    def fault(self, session: str | None) -> None:
        self.tally.count("fault")
        if self.random.random() < 0.7:
            fault = {
                "operation": "createMessage",
                "error": {"statusCode": 503, "errorCode": FAULT_CODE},
                "count": 1,
            }
        else:
            fault = {"operation": "*", "latencyMs": 5, "probability": 0.2, "count": 3}
        response = self.http.post("/__roqmock/faults", json=fault, headers=self.headers(session, token=False))
        if response.status_code != 201:
            self.tally.problem(f"fault: HTTP {response.status_code} {response.text[:200]}")

    def control(self, session: str | None) -> None:
        self.tally.count("control")
        path = self.random.choice(["requests?ok=false", "coverage", "faults", "sessions", "health"])
        response = self.http.get(f"/__roqmock/{path}", headers=self.headers(session, token=False))
        if response.status_code != 200:
            self.tally.problem(f"control {path}: HTTP {response.status_code} {response.text[:200]}")

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.step()
                except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as error:
                    self.tally.problem(f"{type(error).__name__}: {error}")
        finally:
            self.http.close()


def resetter(server: RoqServer, every: float, stop: threading.Event, tally: Tally) -> None:
    """Back to the baseline and no sessions, every ``every`` seconds: what a CI job does between suites."""
    headers = {"roq-platform-server-authorization": server.server_header}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        while not stop.wait(every):
            for method, path in (("POST", "reset"), ("DELETE", "sessions")):
                response = http.request(method, f"/__roqmock/{path}", headers=headers)
                tally.count(path)
                if response.status_code != 200:
                    tally.problem(f"{path}: HTTP {response.status_code} {response.text[:200]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run (default 60)")
    parser.add_argument(
        "--interval", type=float, help="seconds between samples (default: a 16th of the run, 0.5 to 5)"
    )
    parser.add_argument(
        "--bound", type=float, default=0.20, help="allowed growth of the second half's peak (0.20)"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reset-every", type=float, default=2.0, help="seconds between resets (default 2)")
    parser.add_argument("--no-resets", action="store_true", help="never reset: the world grows, by design")
    parser.add_argument("--body-bytes", type=int, default=200, help="padding of each message body")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.workers < 1 or args.bound < 0:
        parser.error("--seconds and --workers must be positive, --bound not negative")
    interval = args.interval or max(0.5, min(5.0, args.seconds / 16))

    server = start_server(seed=args.seed, size=SIZE)
    assert server.process is not None
    pid = server.process.pid
    tally = Tally()
    stop = threading.Event()
    samples: list[tuple[float, int]] = []
    try:
        state = server.state()
        baseline = httpx.get(f"{server.url}/__roqmock/health").json()
        resets = "never" if args.no_resets else f"every {args.reset_every:g} s"
        print(
            f"soak: {args.seconds:g} s against {server.url} (pid {pid}), {args.workers} workers, "
            f"resets {resets}, a sample every {interval:g} s, bound +{args.bound:.0%}",
            flush=True,
        )
        workers = [
            Worker(server, state, tally, seed=args.seed * 1000 + n, body_bytes=args.body_bytes)
            for n in range(args.workers)
        ]
        threads = [threading.Thread(target=worker.run, args=(stop,), daemon=True) for worker in workers]
        if not args.no_resets:
            threads.append(
                threading.Thread(target=resetter, args=(server, args.reset_every, stop, tally), daemon=True)
            )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while (elapsed := time.monotonic() - started) < args.seconds:
            time.sleep(min(interval, max(0.0, args.seconds - elapsed)))
            if server.process.poll() is not None:
                tally.problem(f"the server exited with {server.process.returncode}")
                break
            moment, rss = time.monotonic() - started, rss_kb(pid)
            samples.append((moment, rss))
            print(f"sample {len(samples):3d}  t={moment:7.2f}s  rss={rss:8d} kB", flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        if any(thread.is_alive() for thread in threads):
            tally.problem("a worker did not stop within 30 s")

        # The world is the baseline again after one more reset.
        server.reset()
        server.end_sessions()
        after = httpx.get(f"{server.url}/__roqmock/health").json()
        if after != baseline:
            tally.problem(f"after a reset the world is {after}, not the baseline {baseline}")
    finally:
        stop.set()
        server.stop()

    print(
        "requests: " + ", ".join(f"{kind} {count}" for kind, count in sorted(tally.kinds.items())), flush=True
    )
    failures = list(tally.problems)
    if len(samples) < 4:
        failures.append(f"only {len(samples)} memory samples: run longer or sample more often")
    else:
        half = len(samples) // 2
        first, second = max(rss for _, rss in samples[:half]), max(rss for _, rss in samples[half:])
        growth = second / first - 1
        print(
            f"memory: first half peak {first} kB, second half peak {second} kB, growth {growth:+.1%} "
            f"(bound +{args.bound:.0%})",
            flush=True,
        )
        if growth > args.bound:
            failures.append(f"memory grew {growth:+.1%}, over the bound of +{args.bound:.0%}")
    for failure in failures[:20]:
        print(f"FAIL: {failure}", flush=True)
    print("result: " + ("ok" if not failures else f"failed ({len(failures)} problems)"), flush=True)
    return 0 if not failures else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
