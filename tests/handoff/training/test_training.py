"""Training jobs and model versions: one job at a time, cancel, restarts, the evaluation gate.

The training itself (minutes) runs end to end in tests/e2e/test_workspace.py;
here a real job process is started and cancelled, and jobs left behind by a
stopped desk are recovered.
"""

import json
import os
import subprocess
import time

from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.core.clock import utcnow
from handoff.training.models import JobState, ModelVersion, TrainingJob
from tests.handoff.conftest import Staff


def admin(client):
    return Staff(client, "admin", "admin123")


def wait_for(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_job_runs_in_the_background_one_at_a_time_and_can_be_cancelled(client, settings):
    boss = admin(client)
    started = boss.post("/api/admin/training/jobs")
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] in ("queued", "running") and job["created_by"] == "管理员"
    second = boss.post("/api/admin/training/jobs")
    assert second.status_code == 409 and second.json()["code"] == "training_running"
    running = wait_for(lambda: (j := boss.get(f"/api/admin/training/jobs/{job['id']}").json())["state"] == "running"
                       and j["stage"] in ("校验数据", "训练模型") and j)
    folder = settings.training_dir / f"job-{job['id']}"
    # The data was exported from the database into a complete training folder.
    assert (folder / "data" / "nlu" / "intents.yml").exists() and (folder / "domain.yml").exists()
    exported = json.loads((folder / "export.json").read_text())
    assert exported["examples"] > 4000 and exported["faq_answers"] >= 36
    with client.app.state.session_factory() as db:
        pid = db.get(TrainingJob, job["id"]).pid
    assert pid_alive(pid)
    cancelled = boss.post(f"/api/admin/training/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    wait_for(lambda: not pid_alive(pid), 15)
    assert boss.post(f"/api/admin/training/jobs/{job['id']}/cancel").json()["code"] == "job_finished"
    assert running["estimate_seconds"] > 0
    actions = [e["action"] for e in boss.get("/api/admin/audit", params={"entity": "model"}).json()]
    assert actions[:2] == ["cancel", "train"]


def test_jobs_left_open_by_a_stopped_desk_are_never_stuck(settings, tmp_path):
    with TestClient(create_app(settings)) as client:
        with client.app.state.session_factory() as db:
            dead = subprocess.Popen(["true"])
            dead.wait()
            lost = TrainingJob(state=JobState.running, revision=0, folder=str(tmp_path / "lost"), pid=dead.pid,
                               created_by="管理员", created_at=utcnow())
            finished_folder = tmp_path / "finished"
            finished_folder.mkdir()
            (finished_folder / "result.json").write_text(json.dumps(
                {"ok": True, "model": str(finished_folder / "model.tar.gz"), "training_seconds": 100,
                 "evaluation": {"new": {"accuracy": 0.9, "macro_f1": 0.9, "per_intent_f1": {}}}}))
            finished = TrainingJob(state=JobState.running, revision=0, folder=str(finished_folder), pid=dead.pid,
                                   created_by="管理员", created_at=utcnow())
            db.add_all([lost, finished])
            db.commit()
            ids = lost.id, finished.id
    # The desk restarts: neither job stays open.
    with TestClient(create_app(settings)) as client:
        boss = admin(client)
        jobs = wait_for(lambda: (js := {j["id"]: j for j in boss.get("/api/admin/training/jobs").json()})
                        and js[ids[1]]["state"] != "running" and js)
        assert jobs[ids[0]]["state"] == "failed" and "重启" in jobs[ids[0]]["error"]
        assert jobs[ids[1]]["state"] == "succeeded" and jobs[ids[1]]["model_version_id"]
        version = boss.get(f"/api/admin/training/models/{jobs[ids[1]]['model_version_id']}").json()
        assert version["accuracy"] == 0.9 and version["active"] is False


def add_version(db, name: str, accuracy: float | None, active: bool, path, live_id: int | None = None) -> int:
    evaluation = None if accuracy is None else {"new": {"accuracy": accuracy}, "live_version_id": live_id}
    version = ModelVersion(name=name, path=str(path), revision=0, trained_by="管理员", trained_at=utcnow(),
                           evaluation=evaluation, active=active)
    db.add(version)
    db.commit()
    return version.id


def test_a_version_that_scores_lower_than_the_live_one_needs_a_confirmation(client, db, tmp_path):
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"not really a model")
    live = add_version(db, "v1", 0.93, True, model)
    worse = ModelVersion(name="v2", path=str(model), revision=1, trained_by="管理员", trained_at=utcnow(),
                         evaluation={"new": {"accuracy": 0.90}, "live": {"accuracy": 0.93}, "live_version_id": live},
                         active=False)
    db.add(worse)
    db.commit()
    boss = admin(client)
    listed = {v["name"]: v for v in boss.get("/api/admin/training/models").json()}
    assert "低于线上模型 v1" in listed["v2"]["needs_confirmation"]
    refused = boss.post(f"/api/admin/training/models/{worse.id}/activate", {"confirm": False})
    assert refused.status_code == 409 and refused.json()["code"] == "needs_confirmation"
    assert "90.0%" in refused.json()["detail"] and "93.0%" in refused.json()["detail"]
    # Confirmed, it goes on to load the model into Rasa, which is not running here: 502, nothing changes.
    failed = boss.post(f"/api/admin/training/models/{worse.id}/activate", {"confirm": True})
    assert failed.status_code == 502 and failed.json()["code"] == "model_load_failed"
    assert boss.get("/api/admin/training/status").json()["active"]["name"] == "v1"
    already = boss.post(f"/api/admin/training/models/{live}/rollback", {"confirm": False})
    assert already.status_code == 409 and already.json()["code"] == "already_active"


def test_the_model_becomes_out_of_date_when_examples_change(client, db, tmp_path):
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"x")
    add_version(db, "v1", None, True, model)
    boss = admin(client)
    assert boss.get("/api/admin/training/status").json()["out_of_date"] is False
    boss.post("/api/admin/examples", {"intent": "complain", "text": "快递员态度太恶劣了我要投诉他"})
    assert boss.get("/api/admin/training/status").json()["out_of_date"] is True
