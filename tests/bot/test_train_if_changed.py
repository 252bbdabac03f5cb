"""scripts/train-if-changed trains when the training inputs changed, and not otherwise.

Run in a scratch copy of the project with RASA pointing at a recorder, so the
decision is tested without a real two-minute training.
"""

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def scratch_project(tmp: Path) -> Path:
    project = tmp / "project"
    project.mkdir()
    for name in ("config.yml", "domain.yml", "data", "bot", "scripts"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / name)
    recorder = project / "fake-rasa"
    recorder.write_text(
        "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/calls\"\nmkdir -p models && touch models/current.tar.gz\n"
    )
    recorder.chmod(recorder.stat().st_mode | stat.S_IEXEC)
    return project


def train(project: Path) -> str:
    env = dict(os.environ, RASA=str(project / "fake-rasa"))
    result = subprocess.run([str(project / "scripts" / "train-if-changed")], cwd=project, env=env,
                            capture_output=True, text=True, check=True)
    return result.stdout


def calls(project: Path) -> list[str]:
    path = project / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_trains_first_then_only_after_a_change(tmp_path):
    project = scratch_project(tmp_path)
    assert "Training the model" in train(project)
    assert calls(project) == ["train --fixed-model-name current --out models"]

    assert "up to date" in train(project)
    assert len(calls(project)) == 1

    with open(project / "data" / "nlu" / "handoff.yml", "a", encoding="utf-8") as f:
        f.write("    - 我要找人工客服处理一下\n")
    assert "Training the model" in train(project)
    assert len(calls(project)) == 2


def test_a_missing_model_is_trained_even_if_the_inputs_are_unchanged(tmp_path):
    project = scratch_project(tmp_path)
    train(project)
    (project / "models" / "current.tar.gz").unlink()
    assert "Training the model" in train(project)
