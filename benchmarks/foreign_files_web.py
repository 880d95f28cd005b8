"""Foreign BPMN files through the web app: every page a designer, reformer, clerk and
applicant opens for them must answer (< 500, no traceback, no hang).

For every ``*.bpmn`` / ``*.bpmn20.xml`` file under ``--models`` (files nobody here wrote:
SpiffWorkflow's tests, the MIWG reference models, Camunda's examples), with the Flask
test client of :func:`webapp.create_app` on one temporary SQLite database:

1. the designer uploads it on ``/designer/upload`` (with the DMN files beside it that
   define a decision it calls, and after deploying the files of the processes it calls,
   as ``benchmarks/bpmn_coverage.py`` finds them), opens the validation report, the
   drawn diagram's XML, the comparison with the deployed version when its key is
   deployed already (the files share one database, so the same process id deploys as a
   new version), and tries to deploy it, also when the report refuses it;
2. for a deployed file: the versions page, the migration plan from the previous
   version (and the move of the cases it allows), the drawn diagram, the monitoring
   page; the reformer's analysis and scenario pages, the analysis's first suggested
   change, a small comparison run (its revised diagram sent to the designers, whose
   report and comparison are opened) and a small analysis run (jobs run at once, in this
   process, as ``tests/web/test_reformer.py`` runs them);
3. when the procedure is started by hand (then it is also public): the catalogue, its
   service page and its application form (sent with sample values); a case started
   through the API, its case page, the applicant's tracking page, the inbox, the first
   tasks' forms (claimed and completed with sample values, up to eight), the case list,
   the incidents; then the analysis again (now with history), and a next version (its
   first task renamed) deployed while a second case waits: that case is moved, its
   first task opened and returned to the applicant, who answers on the tracking page.

Every response must be < 500 and contain no ``Traceback``; a request taking longer than
``--page-seconds`` is a hang, and a file stops after ``--file-seconds``. Listed, not
failures: *flow findings* (a failed simulation job, a revised diagram the designer's
report refuses, a report that refuses what deploying accepts) and, on Indonesian pages
(``<html lang="id">``), a model's raw element id shown where the element has a name, and
English engine or SpiffWorkflow sentences.

Run it (the corpora are not part of this repository)::

    PYTHONPATH=. .venv/bin/python benchmarks/foreign_files_web.py \\
        --models /tmp/spiff/tests /work/shared/bpmn-miwg-reference /tmp/camunda

Prints a summary and one line per failing page; exits 1 if any page answered 500, showed
a traceback or hung.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from io import BytesIO
from pathlib import Path

from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bpmn_coverage import (  # noqa: E402
    called_beside,
    decision_files,
    model_files,
    read_model,
)
from engine import services  # noqa: E402
from engine.accounts import api_tokens  # noqa: E402
from engine.accounts.passwords import hash_password  # noqa: E402
from engine.background import jobs  # noqa: E402
from engine.demo import fill  # noqa: E402
from engine.storage import db, migrate  # noqa: E402

PASSWORD = "correct-horse-7"
USERS = {"designer": ["designer"], "reformer": ["reformer"], "admin": ["admin"]}
SMALL_RUN = {"cases": "40", "replications": "1", "seed": "1"}
TASK_STEPS = 8
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# English that betrays an engine or SpiffWorkflow message on an Indonesian page
_ENGINE_ENGLISH = re.compile(
    r"\b(?:WorkflowException|WorkflowTaskException|SpiffWorkflow|NameError|KeyError|TypeError|"
    r"AttributeError|ValueError|is not defined|has no attribute|Error evaluating|"
    r"unsupported operand|object is not|could not|cannot|must be|does not|is not|was not|"
    r"expected|unknown|invalid|failed|not found|No such)\b"
)
_FUNCTION_WORDS = {"the", "is", "not", "of", "and", "to", "was", "with", "this", "that", "has"}
_FUNCTION_WORDS |= {"be", "are", "for", "from", "cannot", "could", "must", "an", "a", "it"}


_RENAMED = re.compile(rb'(<(?:\w+:)?(?:userTask|manualTask|task|scriptTask)\b[^>]*?\bname=")')


class Crashed:
    """What a page whose exception reached the test client stands for: a 500."""

    status_code, headers, mimetype = 500, {}, ""

    def get_data(self, as_text: bool = False) -> str:
        return ""

    def get_json(self, silent: bool = False) -> None:
        return None


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so Flask's handlers do not turn it into a 500."""


def _alarm(signum, frame):
    raise Hang()


@dataclass
class Finding:
    file: str
    kind: str
    method: str
    url: str
    status: int | str
    detail: str = ""


@dataclass
class Results:
    files: int = 0
    pages: int = 0
    uploaded: int = 0
    deployed: int = 0
    started: int = 0
    failures: list[Finding] = field(default_factory=list)
    words: list[Finding] = field(default_factory=list)
    jobs_failed: list[Finding] = field(default_factory=list)
    slow: list[tuple[float, str, str]] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)


def last_frames(exc: BaseException) -> str:
    """The exception and the last three frames of its traceback, innermost first."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[::-1])
    return f"{type(exc).__name__}: {str(exc)[:160]} [{where}]"


class Client:
    """A logged-in (or anonymous) test client that sends CSRF tokens."""

    def __init__(self, app, username: str | None = None, address: str = "127.0.0.1"):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.token = None
        if username:
            self.token = self._token("/login")
            self.client.post(
                "/login",
                data={"username": username, "password": PASSWORD, "csrf_token": self.token},
            )
            self.token = self._token("/account")

    def _token(self, path: str) -> str:
        match = _TOKEN.search(self.client.get(path).get_data(as_text=True))
        return match.group(1) if match else ""

    def open(self, method: str, url: str, data=None, **kwargs):
        if method == "GET":
            return self.client.get(url, **kwargs)
        form_page = kwargs.pop("form_page", "/track")
        if isinstance(data, str):  # a JSON body for the API (a bearer token, no CSRF)
            return self.client.post(url, data=data, **kwargs)
        token = self.token or self._token(form_page)
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def element_names(data: bytes) -> tuple[dict[str, str], set[str]]:
    """Named elements' ids -> names, and every name and documentation text of the file."""
    ids = {}
    for match in re.finditer(rb'<(?:\w+:)?\w+\s[^>]*?\bid="([^"]+)"[^>]*?\bname="([^"]*)"', data):
        ids[match.group(1).decode(errors="replace")] = unescape(
            match.group(2).decode(errors="replace")
        )
    for match in re.finditer(rb'<(?:\w+:)?\w+\s[^>]*?\bname="([^"]*)"[^>]*?\bid="([^"]+)"', data):
        ids[match.group(2).decode(errors="replace")] = unescape(
            match.group(1).decode(errors="replace")
        )
    texts = set(ids.values())
    for match in re.finditer(rb"<(?:\w+:)?documentation[^>]*>(.*?)</", data, re.S):
        texts.add(unescape(match.group(1).decode(errors="replace")).strip())
    return {i: n.strip() for i, n in ids.items() if n.strip() and n.strip() != i}, texts


def text_nodes(html: str) -> list[str]:
    html = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", "\n", html)
    nodes = (re.sub(r"\s+", " ", unescape(node)).strip() for node in html.split("\n"))
    return [n for n in nodes if n]


def language_problems(html: str, named: dict[str, str], texts: set[str]) -> list[str]:
    """Raw ids of named elements and English sentences on an Indonesian page."""
    if '<html lang="id"' not in html:
        return []
    found = []
    nodes = text_nodes(html)
    visible = " ".join(nodes)
    for element_id, name in named.items():
        if re.search(r"[_\d]", element_id) and re.search(
            rf"(?<![\w-]){re.escape(element_id)}(?![\w-])", visible
        ):
            found.append(f"raw id {element_id!r} (named {name[:40]!r})")
    for node in nodes:
        if any(node == t or (t and t in node and len(node) < len(t) + 30) for t in texts):
            continue  # the model's own words
        words = set(re.findall(r"[a-z]+", node.lower()))
        if _ENGINE_ENGLISH.search(node) or len(words & _FUNCTION_WORDS) >= 4:
            found.append(f"English: {node[:140]!r}")
    return found


class Sweep:
    def __init__(self, app, engine, page_seconds: float, file_seconds: float, verbose: bool):
        self.app, self.engine = app, engine
        self.page_seconds, self.file_seconds, self.verbose = page_seconds, file_seconds, verbose
        self.results = Results()
        self.designer = Client(app, "designer")
        self.reformer = Client(app, "reformer")
        self.admin = Client(app, "admin")
        self.addresses = 0
        with Session(engine) as session:
            self.api = {"Authorization": f"Bearer {api_tokens.issue(session, 'admin', 'sweep')}"}
            session.commit()

    # -- one request -------------------------------------------------------------------
    def page(self, who: Client, method: str, url: str, kind: str, **kwargs):
        """Open one page; None when it hung or the file's time is up."""
        if time.monotonic() > self.deadline:
            self._fail(kind, method, url, "skipped", f"file budget of {self.file_seconds} s spent")
            raise Hang()
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, self.page_seconds)
        try:
            response = who.open(method, url, **kwargs)
        except Hang:
            self._fail(kind, method, url, "hang", f"no answer after {self.page_seconds} s")
            raise
        except Exception as exc:  # noqa: BLE001 - the test app lets a 500's exception through
            self.results.pages += 1
            self._fail(kind, method, url, 500, last_frames(exc))
            return Crashed()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.monotonic() - started
        self.results.pages += 1
        self.results.kinds[kind] += 1
        self.results.statuses[kind, response.status_code] += 1
        self.results.slow.append((took, kind, url))
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            self._fail(kind, method, url, response.status_code, "")
        elif "Traceback" in body:
            line = next((ln for ln in body.splitlines() if "Error" in ln), "")[:160]
            self._fail(kind, method, url, response.status_code, f"Traceback on the page {line}")
        if response.mimetype == "text/html":
            for problem in language_problems(body, self.named, self.texts):
                finding = Finding(self.file, kind, method, url, response.status_code, problem)
                self.results.words.append(finding)
        return response

    def _fail(self, kind, method, url, status, detail):
        finding = Finding(self.file, kind, method, url, status, detail)
        self.results.failures.append(finding)
        print(f"FAIL {status} {method} {url} [{kind}] {self.file}: {detail}", flush=True)

    # -- one file ------------------------------------------------------------------------
    def sweep(self, path: Path) -> None:
        self.file, self.data = str(path), read_model(path)
        data = self.data
        self.named, self.texts = element_names(data)
        self.results.files += 1
        self.deadline = time.monotonic() + self.file_seconds
        try:
            for called in called_beside(path, data):
                self.upload_and_deploy(called, read_model(called), main=False)
            key = self.upload_and_deploy(path, data, main=True)
            if key:
                self.deployed_pages(key)
        except Hang:
            pass

    def upload_and_deploy(self, path: Path, data: bytes, main: bool) -> str | None:
        """Upload, report, diagram, diff, deploy; the deployed key or None."""
        decisions = decision_files(path, data)
        files = {
            "bpmn": (BytesIO(data), path.name),
            "dmn": [(BytesIO(content), Path(name).name) for name, content in decisions.items()],
        }
        response = self.page(
            self.designer,
            "POST",
            "/designer/upload",
            "upload",
            data=files,
            content_type="multipart/form-data",
        )
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/designer/drafts/" not in location:
            return None
        self.results.uploaded += main
        token = location.rsplit("/designer/drafts/", 1)[1]
        report = self.page(self.designer, "GET", f"/designer/drafts/{token}", "report")
        self.page(self.designer, "GET", f"/designer/drafts/{token}.bpmn", "draft_xml")
        if f"/designer/drafts/{token}/diff" in report.get_data(as_text=True):
            self.page(self.designer, "GET", f"/designer/drafts/{token}/diff", "diff")
        response = self.page(self.designer, "POST", f"/designer/drafts/{token}/deploy", "deploy")
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/designer/procedures/" not in location:
            return None
        if f"/designer/drafts/{token}/deploy" not in report.get_data(as_text=True):
            detail = "the report offers no deploy, yet deploying works"
            finding = Finding(self.file, "report", "GET", f"/designer/drafts/{token}", 200, detail)
            self.results.jobs_failed.append(finding)
        self.results.deployed += main
        return location.rsplit("/designer/procedures/", 1)[1]

    def deployed_pages(self, key: str) -> None:
        with Session(self.engine) as session:
            definition = services.get_definition(session, key)
            version, public = definition.version, not services.starts_by_itself(definition)
        self.versions(key, version)
        self.page(self.designer, "GET", f"/diagrams/{key}/{version}.bpmn", "diagram")
        self.page(self.designer, "GET", f"/monitoring/{key}", "monitoring")
        self.simulation_pages(key, version)
        if public:
            self.public_pages(key)
            self.case_pages(key)
            self.page(self.reformer, "GET", f"/reformer/{key}/{version}", "analysis_history")
            self.page(self.designer, "GET", f"/monitoring/{key}", "monitoring")
            self.next_version(key)

    def versions(self, key: str, version: int) -> None:
        """The versions page, and the migration of the previous version's cases."""
        self.page(self.designer, "GET", f"/designer/procedures/{key}", "versions")
        if version > 1:
            url = f"/designer/procedures/{key}/{version - 1}/migrate"
            plan = self.page(self.designer, "GET", url, "migrate")
            movable = re.findall(r'name="case_id" value="(\d+)"', plan.get_data(as_text=True))
            if movable:
                self.page(self.designer, "POST", url, "migrate_post", data={"case_id": movable})

    def next_version(self, key: str) -> None:
        """A next version (its first task renamed) deployed while a case waits at its
        start; the case is moved, then its page and first task are opened."""
        waiting = self.start_case(key)
        revised, count = _RENAMED.subn(rb"\1Revised ", self.data, count=1)
        if not count or self.upload_and_deploy(Path(self.file), revised, main=False) != key:
            return
        with Session(self.engine) as session:
            version = services.get_definition(session, key).version
        self.versions(key, version)
        if waiting:
            self.page(self.admin, "GET", f"/cases/{waiting}", "case_moved")
            status = self.page(
                self.admin, "GET", f"/api/v1/cases/{waiting}", "api_case", headers=self.api
            )
            tasks = (status.get_json(silent=True) or {}).get("open_tasks") or []
            if tasks:
                self.returned(key, waiting, tasks[0]["id"])

    def returned(self, key: str, code: str, task_id: str) -> None:
        """The task's page; the case returned to the applicant, who answers it."""
        task = self.page(self.admin, "GET", f"/tasks/{task_id}", "task_moved")
        asked = re.findall(r'name="fields" value="([^"]+)"', task.get_data(as_text=True))
        reason = {"reason": "Mohon lengkapi berkas permohonan Anda.", "fields": asked}
        response = self.page(self.admin, "POST", f"/tasks/{task_id}/return", "return", data=reason)
        if response.status_code != 302:
            return
        private = f"/track/{code}?k={access_key_of(self.app, code)}"
        applicant = Client(self.app, address="10.255.0.2")
        self.page(applicant, "GET", private, "track_returned")
        values = form_values([f for f in start_fields(self.engine, key) if f.id in asked])
        self.page(
            applicant,
            "POST",
            f"/track/{code}/respond?k={access_key_of(self.app, code)}",
            "respond",
            data=values,
            form_page=private,
            content_type="multipart/form-data",
        )
        self.page(applicant, "GET", private, "track")

    def start_case(self, key: str) -> str | None:
        """A case started through the API; its tracking code, None when refused."""
        data = fill(start_fields(self.engine, key))
        response = self.page(
            self.admin,
            "POST",
            "/api/v1/cases",
            "api_start",
            data=json.dumps({"process": key, "data": data}, default=str),
            headers=self.api,
            content_type="application/json",
        )
        if response.status_code != 201:
            return None
        self.results.started += 1
        return response.get_json()["tracking_code"]

    def simulation_pages(self, key: str, version: int) -> None:
        base = f"/reformer/{key}/{version}"
        self.page(self.reformer, "GET", base, "analysis")
        scenario = self.page(self.reformer, "GET", f"{base}/scenario", "scenario")
        suggested = re.search(r'name="change" value="([^"]+)"', scenario.get_data(as_text=True))
        if suggested:  # the analysis's first suggestion, added with its one click
            change = {"change": unescape(suggested.group(1))}
            self.page(self.reformer, "POST", f"{base}/scenario/changes", "add_change", data=change)
        response = self.page(self.reformer, "POST", f"{base}/run", "run", data=SMALL_RUN)
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "/reformer/jobs/" in location:
            self.revised_diagram(location.split("/reformer/jobs/", 1)[1])
        response = self.page(self.reformer, "POST", f"{base}/analyze", "analyze", data=SMALL_RUN)
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "job=" in location:
            job = location.split("job=", 1)[1]
            self.page(self.reformer, "GET", f"{base}?job={job}", "analysis_job")
            status = self.page(self.reformer, "GET", f"/reformer/jobs/{job}.json", "job_json")
            self._job_status(status, f"{base}?job={job}")

    def revised_diagram(self, job: str) -> None:
        """The comparison's page; its revised diagram sent to the designers and reviewed."""
        url = f"/reformer/jobs/{job}"
        self.page(self.reformer, "GET", url, "job")
        status = self.page(self.reformer, "GET", f"{url}.json", "job_json")
        if not self._job_status(status, url):
            return
        self.page(self.reformer, "GET", f"{url}/revised.bpmn", "revised")
        self.page(self.reformer, "POST", f"{url}/send", "send")
        listing = self.page(self.designer, "GET", "/designer/", "designer_index")
        token = re.search(
            rf'href="/designer/drafts/([^"/]+)">[^<]*_scenario_{job}\.bpmn',
            listing.get_data(as_text=True),
        )
        if token:
            draft = f"/designer/drafts/{token.group(1)}"
            report = self.page(self.designer, "GET", draft, "revised_report")
            if report.status_code == 200 and f"{draft}/deploy" not in report.get_data(as_text=True):
                problems = re.findall(
                    r'<li class="problem-error">(.*?)</li>', report.get_data(as_text=True), re.S
                )
                detail = " | ".join(" ".join(text_nodes(p))[:160] for p in problems[:2])
                finding = Finding(self.file, "revised", "GET", draft, "refused", detail)
                self.results.jobs_failed.append(finding)  # the deployed file's revision is refused
            self.page(self.designer, "GET", f"{draft}/diff", "revised_diff")

    def _job_status(self, response, url: str) -> bool:
        status = response.get_json(silent=True) or {}
        if status.get("status") == "failed":
            finding = Finding(
                self.file, "job", "GET", url, "failed", str(status.get("error"))[:200]
            )
            self.results.jobs_failed.append(finding)
        return status.get("status") == "done"

    def public_pages(self, key: str) -> None:
        self.addresses += 1
        citizen = Client(self.app, address=f"10.{self.addresses // 250}.{self.addresses % 250}.9")
        self.page(citizen, "GET", "/services/", "catalogue")
        self.page(citizen, "GET", f"/services/{key}", "service")
        self.page(citizen, "GET", f"/services/{key}/diagram.bpmn", "service_diagram")
        form = f"/services/{key}/apply"
        if key == "complaint":
            return
        self.page(citizen, "GET", form, "apply_form")
        values = form_values(start_fields(self.engine, key))
        self.page(
            citizen,
            "POST",
            form,
            "apply",
            data=values,
            form_page=form,
            content_type="multipart/form-data",
        )

    def case_pages(self, key: str) -> None:
        code = self.start_case(key)
        if code is None:
            return
        self.page(self.admin, "GET", f"/cases/{code}", "case")
        private = f"/track/{code}?k={access_key_of(self.app, code)}"
        self.page(Client(self.app, address="10.255.0.1"), "GET", private, "track")
        self.page(self.admin, "GET", "/inbox/", "inbox")
        self.page(self.admin, "GET", f"/inbox/?procedure={key}", "inbox")
        for _ in range(TASK_STEPS):
            status = self.page(
                self.admin, "GET", f"/api/v1/cases/{code}", "api_case", headers=self.api
            )
            tasks = (status.get_json(silent=True) or {}).get("open_tasks") or []
            if not tasks:
                break
            task_id = tasks[0]["id"]
            self.page(self.admin, "GET", f"/tasks/{task_id}", "task")
            self.page(self.admin, "POST", f"/tasks/{task_id}/claim", "claim")
            values = form_values(task_fields(self.engine, task_id))
            response = self.page(
                self.admin,
                "POST",
                f"/tasks/{task_id}/complete",
                "complete",
                data=values,
                content_type="multipart/form-data",
            )
            self.page(self.admin, "GET", f"/cases/{code}", "case")
            if response.status_code != 302:
                break
        self.page(self.admin, "GET", f"/cases/?procedure={key}", "case_list")
        incidents = self.page(self.admin, "GET", "/admin/incidents/", "incidents")
        for incident in re.findall(
            r'href="(/admin/incidents/\d+)"', incidents.get_data(as_text=True)
        )[:2]:
            self.page(self.admin, "GET", incident, "incident")


def access_key_of(app, code: str) -> str:
    """The ``k`` of a case's private tracking link."""
    from webapp.public.links import access_key

    with app.test_request_context():
        return access_key(code)


def start_fields(engine, key: str):
    with Session(engine) as session:
        definition = services.get_definition(session, key)
        return services.start_form(services.model_for(definition).processes[key])


def task_fields(engine, task_id: str):
    with Session(engine) as session:
        return services.task_form(services.get_task(session, task_id))


def form_values(fields) -> dict:
    """Sample values as a browser sends them: checkboxes "on", files as small PDFs."""
    values: dict = {}
    for name, value in fill(fields).items():
        kind = next((f.type for f in fields if f.id == name), "")
        if kind == "file":
            values[name] = (BytesIO(b"%PDF-1.4\n% sweep\n"), f"{name}.pdf")
        elif value is True:
            values[name] = "on"
        elif value is not False:
            values[name] = str(value)
    return values


def make_app(folder: Path):
    from webapp import create_app
    from webapp.extensions import limiter

    url = f"sqlite:///{folder / 'permitflow.sqlite3'}"
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    password = hash_password(PASSWORD)
    with Session(engine) as session:
        for username, roles in USERS.items():
            services.create_user(
                session, username, full_name=username.title(), roles=roles, password_hash=password
            )
        session.commit()
    limiter.reset()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "sweep-secret",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "RATELIMIT_ENABLED": False,
        }
    )
    return app, engine


def summary(results: Results, seconds: float, verbose: bool = False) -> None:
    r = results
    statuses = Counter(str(f.status) for f in r.failures)
    print()
    print(f"BPMN files:                {r.files}")
    print(f"uploaded (report shown):   {r.uploaded}")
    print(f"deployed:                  {r.deployed}")
    print(f"cases started by hand:     {r.started}")
    print(f"pages requested:           {r.pages}")
    print("pages by kind:             " + ", ".join(f"{k} {n}" for k, n in sorted(r.kinds.items())))
    if verbose:
        answers = sorted(r.statuses.items())
        print("answers by kind:           " + ", ".join(f"{k} {c}: {n}" for (k, c), n in answers))
    print(f"failing pages:             {len(r.failures)} {dict(statuses)}")
    print(f"flow findings:             {len(r.jobs_failed)} (failed jobs, refusals)")
    print(f"language findings:         {len(r.words)} on Indonesian pages")
    print(f"time:                      {seconds:.0f} s")
    slowest = sorted(r.slow, reverse=True)[:3]
    print("slowest pages:             " + "; ".join(f"{t:.1f} s {k} {u}" for t, k, u in slowest))
    for f in r.jobs_failed:
        print(f"FLOW [{f.kind}] {f.url} {f.file}: {f.detail}")
    by_kind: dict[str, list[Finding]] = {}
    for f in r.words:
        by_kind.setdefault(f"{f.kind} {f.detail.split(':', 1)[0].split(' ', 1)[0]}", []).append(f)
    for kind, found in sorted(by_kind.items()):
        files = len({f.file for f in found})
        print(f"WORDS [{kind}] {len(found)} on {files} file(s), e.g.:")
        for f in found if verbose else found[:3]:
            print(f"    {f.url} {Path(f.file).name}: {f.detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", type=Path, required=True)
    parser.add_argument("--page-seconds", type=float, default=30.0)
    parser.add_argument("--file-seconds", type=float, default=120.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("PERMITFLOW_SIMULATION_MAX_SECONDS", str(int(args.page_seconds) // 2))
    signal.signal(signal.SIGALRM, _alarm)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PERMITFLOW_DOCUMENT_DIR"] = str(Path(tmp) / "documents")
        app, engine = make_app(Path(tmp))
        submit, jobs.submit = jobs.submit, lambda job_id, engine=None: jobs.run(job_id, engine)
        try:  # jobs run at once, in this process
            sweep = Sweep(app, engine, args.page_seconds, args.file_seconds, args.verbose)
            for folder in args.models:
                for path in model_files(folder):
                    if args.verbose:
                        print(f"-- {path}", flush=True)
                    sweep.sweep(path)
        finally:
            jobs.submit = submit
            signal.setitimer(signal.ITIMER_REAL, 0)
            app.extensions["permitflow.engine"].dispose()
            engine.dispose()
    summary(sweep.results, time.monotonic() - started, args.verbose)
    return 1 if sweep.results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
