"""Running a training job: export, a child process in Rasa's environment, a watcher.

    start()   a request creates the job row and returns at once; a task here
              exports the data (a thread) and starts scripts/train_job.py in
              its own process group, so it outlives a desk restart.
    watch()   every second: progress.json into the job row; result.json ends
              the job (a new model version, or the reason it failed); a dead
              process without a result fails it.
    recover() at start-up: a job left open by a previous desk process is
              watched again if its process still runs, else ended from its
              result file or failed: never left stuck.
    cancel()  kills the job's process group.
"""

import asyncio
import json
import logging
import os
import signal
import subprocess
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from handoff.agents.models import Agent
from handoff.audit import service as audit
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.errors import Conflict
from handoff.core.settings import REPO_ROOT
from handoff.knowledge import service as knowledge
from handoff.knowledge.export import export
from handoff.training import service
from handoff.training.models import OPEN_STATES, JobState

logger = logging.getLogger(__name__)
START_LOCK = "desk:training:starting"
POLL_SECONDS = 1.0
# The desk's own children, so that they are reaped; a recovered job's process is not ours.
_children: dict[int, subprocess.Popen] = {}
_tasks: set[asyncio.Task] = set()


def _spawn(coro) -> None:
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def start(desk: Desk, *, actor: Agent) -> int:
    if not desk.redis.set(START_LOCK, "1", nx=True, ex=30):
        raise Conflict("已有训练任务在进行，请等它结束或取消后再开始", "training_running")
    try:
        def create() -> int:
            with desk.session() as db:
                return service.create_job(db, actor=actor, revision=knowledge.revision(db), now=utcnow()).id

        job_id = await run_in_threadpool(create)
    finally:
        desk.redis.delete(START_LOCK)
    _spawn(run(desk, job_id))
    return job_id


def _launch(desk: Desk, job_id: int) -> tuple[Path, int]:
    settings = desk.settings
    folder = (settings.training_dir / f"job-{job_id}").resolve()
    with desk.session() as db:
        summary = export(db, seed_dir=settings.seed_data_dir, project_dir=REPO_ROOT, out=folder)
        active = service.active_version(db)
    (folder / "export.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    argv = [str(settings.rasa_python), str(REPO_ROOT / "scripts" / "train_job.py"), "--folder", str(folder)]
    if active is not None:
        argv += ["--live", active.path]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
    with open(folder / "job.log", "ab") as log:
        proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _children[proc.pid] = proc
    with desk.session() as db:
        service.job_started(db, job_id=job_id, folder=folder, pid=proc.pid)
        still_open = service.get_job(db, job_id).state in OPEN_STATES
    if not still_open:  # cancelled while exporting
        _kill(proc.pid)
    return folder, proc.pid


async def run(desk: Desk, job_id: int) -> None:
    try:
        await run_in_threadpool(_launch, desk, job_id)
    except Exception as exc:
        logger.exception("training job %s could not start", job_id)
        await run_in_threadpool(_end, desk, job_id, JobState.failed, f"训练任务无法启动：{exc}")
        return
    await watch(desk, job_id)


def _alive(pid: int) -> bool:
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def _end(desk: Desk, job_id: int, state: JobState, error: str) -> None:
    with desk.session() as db:
        service.end_job(db, job_id=job_id, state=state, error=error, now=utcnow())


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _step(desk: Desk, job_id: int) -> bool:
    """One look at a running job; True while it still runs."""
    with desk.session() as db:
        job = service.get_job(db, job_id)
        if job.state not in OPEN_STATES:
            return False
        if job.state == JobState.queued or not job.folder:
            return True
        folder = Path(job.folder)
        result = _read(folder / "result.json")
        if result is not None:
            if result.get("ok"):
                active = service.active_version(db)
                service.job_succeeded(db, job_id=job_id, result=result,
                                      live_version_id=active.id if active else None, now=utcnow())
            else:
                service.end_job(db, job_id=job_id, state=JobState.failed,
                                error=result.get("error") or "训练失败", now=utcnow())
            _children.pop(job.pid or -1, None)
            return False
        progress = _read(folder / "progress.json")
        if progress:
            service.apply_progress(db, job_id=job_id, progress=progress)
        if job.pid is not None and not _alive(job.pid):
            # A last look: the result may have been written just before the exit.
            if (folder / "result.json").exists():
                return True
            service.end_job(db, job_id=job_id, state=JobState.failed,
                            error="训练进程意外退出（详见 job.log）", now=utcnow())
            return False
        return True


async def watch(desk: Desk, job_id: int) -> None:
    while True:
        try:
            running = await run_in_threadpool(_step, desk, job_id)
        except Exception:
            logger.exception("watching training job %s failed", job_id)
            running = True
        if not running:
            return
        await asyncio.sleep(POLL_SECONDS)


def _recover(desk: Desk) -> list[int]:
    """Open jobs of a previous desk process: the ones still running are watched again."""
    to_watch = []
    with desk.session() as db:
        for job in db.scalars(service.select_open_jobs()):
            folder = Path(job.folder) if job.folder else None
            if job.pid is not None and _alive(job.pid) or folder and (folder / "result.json").exists():
                to_watch.append(job.id)
            else:
                service.end_job(db, job_id=job.id, state=JobState.failed,
                                error="训练已中断：客服工作台重启时训练进程已不在运行", now=utcnow())
    return to_watch


async def recover(desk: Desk) -> None:
    for job_id in await run_in_threadpool(_recover, desk):
        _spawn(watch(desk, job_id))


async def cancel(desk: Desk, *, job_id: int, actor: Agent) -> None:
    def work() -> None:
        with desk.session() as db:
            job = service.get_job(db, job_id)
            if job.state not in OPEN_STATES:
                raise Conflict("这个训练任务已经结束", "job_finished")
            pid = job.pid
            service.end_job(db, job_id=job_id, state=JobState.cancelled, error="已取消", now=utcnow())
            audit.record(db, actor=actor, entity="model", key=f"job-{job_id}", action="cancel",
                         before=None, after=None, now=utcnow())
            db.commit()
        if pid is not None:
            _kill(pid)
            proc = _children.pop(pid, None)
            if proc is not None:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(pid, signal.SIGKILL)

    await run_in_threadpool(work)


async def stop_watching() -> None:
    """At shutdown: the watchers stop; the jobs' processes run on and are recovered at the next start."""
    for task in list(_tasks):
        task.cancel()
    await asyncio.gather(*_tasks, return_exceptions=True)
