"""Deadline-day load for locust (started by ``bench/deadline.py``, which seeds the data and the server).

``OperatorUser``: each simulated person is the operator of one unit (its own login, from the JSON file
named by ``BENCH_DEADLINE_DATA``). It logs in, opens its assessment page, then mostly saves answers (the
htmx way, keeping the answer version it was given back), sometimes uploads a 1–5 MB file to an
indicator and sometimes reopens the page. ``BareUser``: the bare view of ``bench/urls.py`` only, the
floor the mix is compared with.

Both wait ``BENCH_WAIT`` seconds (default 0) between requests: the default measures what the server can
take, not a think time.

Run by hand (after ``deadline.py --keep`` printed the server): ``locust -f bench/locustfile_deadline.py
--headless -u 40 -r 20 -t 30s --host http://127.0.0.1:PORT OperatorUser``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, constant, task
from locust.exception import StopUser

DATA_FILE = os.environ.get("BENCH_DEADLINE_DATA", "")
WAIT = float(os.environ.get("BENCH_WAIT", "0"))
MB = 1024 * 1024
MAX_FILES_PER_INDICATOR = 20  # the service refuses more
VERSION_RE = re.compile(rb'name="version" value="(\d+)"')

_accounts: list[dict[str, Any]] = json.loads(Path(DATA_FILE).read_text(encoding="utf-8")) if DATA_FILE else []
_next_account = itertools.count()
# One random buffer for every upload; each file takes a different slice behind a unique header, so no two
# uploads have the same content (the service refuses the same file twice on one indicator).
_noise = random.Random(2026).randbytes(5 * MB + 4096)
_upload_serial = itertools.count()
MAGIC = {"pdf": b"%PDF-1.4\n", "png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff\xe0"}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


def evidence_file(kinds: list[str], size: int) -> tuple[str, bytes, str]:
    """A file of ``size`` bytes of a kind the indicator accepts, recognised by its first bytes."""
    kind = next((k for k in ("pdf", "png", "jpeg") if k in kinds), "pdf")
    serial = next(_upload_serial)
    head = MAGIC[kind] + f"% bench upload {serial} {os.getpid()}\n".encode()
    offset = serial * 7919 % 4096
    body = head + _noise[offset : offset + size - len(head)]
    return f"bukti-{serial}.{kind.replace('jpeg', 'jpg')}", body, CONTENT_TYPES[kind]


class OperatorUser(HttpUser):
    wait_time = constant(WAIT)

    def on_start(self) -> None:
        index = next(_next_account)
        if index >= len(_accounts):
            raise StopUser  # more users than seeded operators
        self.account = _accounts[index]
        self.base = f"/penilaian/{self.account['year']}/{self.account['unit_code']}/"
        self.indicators: list[dict[str, Any]] = self.account["indicators"]
        self.versions: dict[str, int] = {}
        self.files: dict[str, int] = {i["code"]: 0 for i in self.indicators}
        self.client.get("/akun/masuk/", name="login (form)")
        with self.client.post(
            "/akun/masuk/",
            data={
                "username": self.account["username"],
                "password": self.account["password"],
                "csrfmiddlewaretoken": self._csrf(),
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused (HTTP {response.status_code})")
                raise StopUser
        self.open_page()

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken") or ""

    def _htmx(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self._csrf(), "Referer": f"{self.host}{self.base}"}

    @task(3)
    def open_page(self) -> None:
        with self.client.get(self.base, name="page", catch_response=True) as response:
            if response.status_code == 200 and b'name="option"' not in response.content:
                response.failure("the page shows no answer form")

    @task(10)
    def save_answer(self) -> None:
        indicator = random.choice(self.indicators)
        code = indicator["code"]
        data: dict[str, Any] = {
            "option": random.choice(indicator["options"]),
            "note": f"Catatan {random.randint(1, 10**6)}",
        }
        if code in self.versions:
            data["version"] = self.versions[code]
        with self.client.post(
            f"{self.base}jawaban/{code}/", data=data, headers=self._htmx(), name="save answer", catch_response=True
        ) as response:
            found = VERSION_RE.search(response.content or b"")
            if found:
                self.versions[code] = int(found.group(1))
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def upload_evidence(self) -> None:
        room = [i for i in self.indicators if self.files[i["code"]] < MAX_FILES_PER_INDICATOR - 2]
        if not room:
            return
        indicator = random.choice(room)
        name, body, content_type = evidence_file(indicator["kinds"], random.randint(1 * MB, 5 * MB))
        with self.client.post(
            f"{self.base}bukti/{indicator['code']}/",
            files={"file": (name, body, content_type)},
            headers=self._htmx(),
            name="upload 1-5 MB",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.files[indicator["code"]] += 1
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")


class BareUser(HttpUser):
    wait_time = constant(WAIT)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare", name="bare view")
