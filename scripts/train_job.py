"""One training job of the admin workspace, run by the desk as a child process in Rasa's environment.

    .venv/rasa/bin/python scripts/train_job.py --folder var/training/job-7 [--live MODEL]

The desk has exported the training data to the folder (handoff/knowledge/
export.py). Three stages, each reported in <folder>/progress.json (the desk
reads it every second for the progress bar):

1. 校验数据: `rasa data validate` on the exported data.
2. 训练模型: `rasa train` (its components one by one, and the epochs of a
   neural component if the configuration has one);
   Rasa's cache (.rasa/cache) reuses the components whose inputs did not
   change, so a change of NLU examples only retrains the NLU.
3. 评估模型: the new model and the live one parse the held-out test set
   (bench/nlu/test_*.yml) and the messages admins labelled for evaluation
   (<folder>/heldout.yml); accuracy, per-intent F1 and every message whose
   answer changed.

The end is <folder>/result.json ({"ok": true, "model": ..., ...} or
{"ok": false, "error": "..."}). The desk cancels a job by killing its
process group.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RASA = Path(sys.executable).parent / "rasa"
TEST_SETS = sorted((ROOT / "bench" / "nlu").glob("test_*.yml"))
# Shares of the progress bar.
STAGES = {"validate": (0.0, 0.05, "校验数据"), "train": (0.05, 0.8, "训练模型"),
          "evaluate": (0.8, 1.0, "评估模型")}
EPOCHS = re.compile(r"Epochs:\s*\d+%.*?\|\s*(\d+)/(\d+)")
COMPONENT = re.compile(r"(Starting to train|Finished training|Restored) component '(\w+)'")


class Reporter:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "progress.json"
        self.started = time.time()
        self.state = {"stage": "validate", "stage_label": STAGES["validate"][2], "progress": 0.0,
                      "detail": "", "started_at": self.started, "pid": os.getpid()}

    def report(self, stage: str, within: float, detail: str = "") -> None:
        low, high, label = STAGES[stage]
        self.state.update(stage=stage, stage_label=label, detail=detail,
                          progress=round(low + (high - low) * max(0.0, min(1.0, within)), 4),
                          elapsed=round(time.time() - self.started, 1))
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, ensure_ascii=False))
        tmp.replace(self.path)  # atomic: the desk never reads half a file


def lines(stream) -> iter:
    """Lines of a child's output, split at carriage returns too (progress bars redraw with \\r)."""
    buffer = b""
    while True:
        chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
        if not chunk:
            break
        buffer += chunk
        *complete, buffer = re.split(rb"[\r\n]", buffer)
        for line in complete:
            if line.strip():
                yield line.decode("utf-8", "replace")
    if buffer.strip():
        yield buffer.decode("utf-8", "replace")


def run_logged(argv: list[str], log: Path, on_line=None) -> tuple[int, list[str]]:
    tail: list[str] = []
    with open(log, "a", encoding="utf-8") as out:
        env = {**os.environ, "RASA": str(RASA)}
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in lines(proc.stdout):
            out.write(line + "\n")
            tail = (tail + [line])[-30:]
            if on_line:
                on_line(line)
        return proc.wait(), tail


def validate(folder: Path, reporter: Reporter) -> None:
    reporter.report("validate", 0.1, "rasa data validate")
    code, tail = run_logged([str(ROOT / "scripts" / "validate-data"), "--data", str(folder / "data"),
                             "--domain", str(folder / "domain.yml"), "--config", str(folder / "config.yml")],
                            folder / "train.log")
    if code != 0:
        problems = [t.split("UserWarning: ")[-1] for t in tail if "UserWarning" in t or "ERROR" in t]
        raise JobFailed("训练数据校验未通过：" + " / ".join((problems or tail)[-3:]))


def train(folder: Path, reporter: Reporter, components: int) -> Path:
    done: set[str] = set()
    current = {"component": "", "epochs": ""}

    def on_line(line: str) -> None:
        found = COMPONENT.search(line)
        if found:
            verb, name = found.groups()
            if verb == "Starting to train":
                current.update(component=name, epochs="")
            else:
                done.add(name)
        epochs = EPOCHS.search(line)
        if epochs:
            current["epochs"] = f"第 {epochs.group(1)}/{epochs.group(2)} 轮"
        within = len(done) / components
        if epochs and current["component"]:
            within += int(epochs.group(1)) / int(epochs.group(2)) / components
        detail = " ".join(p for p in (current["component"], current["epochs"]) if p)
        reporter.report("train", min(within, 0.99), detail)

    reporter.report("train", 0.0, "准备训练")
    code, tail = run_logged([str(RASA), "train", "--data", str(folder / "data"),
                             "--domain", str(folder / "domain.yml"), "--config", str(folder / "config.yml"),
                             "--out", str(folder), "--fixed-model-name", "model"],
                            folder / "train.log", on_line)
    model = folder / "model.tar.gz"
    if code != 0 or not model.exists():
        raise JobFailed("训练失败：" + " / ".join(tail[-3:]))
    return model


async def evaluate(folder: Path, model: Path, live: Path | None, reporter: Reporter) -> dict:
    from bot.evaluation import parse_all, read_examples, scores

    test = read_examples(TEST_SETS)
    heldout_file = folder / "heldout.yml"
    heldout = read_examples([heldout_file]) if heldout_file.exists() and "intent" in heldout_file.read_text() else []
    messages = test + heldout
    texts = [t for t, _ in messages]
    gold = [g for _, g in messages]
    reporter.report("evaluate", 0.05, f"新模型解析 {len(texts)} 条测试语句")
    new_labels, _ = await parse_all(model, texts)
    result = {"test_n": len(test), "heldout_n": len(heldout), "new": summary(scores(gold, new_labels))}
    if heldout:
        result["new_heldout_accuracy"] = accuracy(gold[len(test):], new_labels[len(test):])
    if live is not None and live.exists():
        reporter.report("evaluate", 0.5, f"线上模型解析 {len(texts)} 条测试语句")
        live_labels, _ = await parse_all(live, texts)
        result["live"] = summary(scores(gold, live_labels))
        if heldout:
            result["live_heldout_accuracy"] = accuracy(gold[len(test):], live_labels[len(test):])
        result["changed"] = [{"text": t, "expected": g, "live": old, "new": new}
                             for t, g, old, new in zip(texts, gold, live_labels, new_labels) if old != new]
    reporter.report("evaluate", 1.0, "评估完成")
    return result


def accuracy(gold: list[str], predicted: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0


def summary(full: dict) -> dict:
    return {"n": full["n"], "accuracy": round(full["accuracy"], 4), "macro_f1": round(full["macro_f1"], 4),
            "per_intent_f1": {i: round(r["f1"], 4) for i, r in full["per_intent"].items()}}


class JobFailed(Exception):
    pass


def trainable_components(folder: Path) -> int:
    import yaml

    config = yaml.safe_load((folder / "config.yml").read_text(encoding="utf-8"))
    return max(1, len(config.get("pipeline") or []) + len(config.get("policies") or []))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", required=True, type=Path)
    parser.add_argument("--live", type=Path, help="the live model, scored beside the new one")
    parser.add_argument("--skip-evaluation", action="store_true")
    args = parser.parse_args()
    folder = args.folder.resolve()
    reporter = Reporter(folder)
    result: dict
    try:
        validate(folder, reporter)
        model = train(folder, reporter, trainable_components(folder))
        training_seconds = round(time.time() - reporter.started, 1)
        evaluation = {} if args.skip_evaluation else asyncio.run(evaluate(folder, model, args.live, reporter))
        result = {"ok": True, "model": str(model), "training_seconds": training_seconds,
                  "evaluation": evaluation}
    except JobFailed as exc:
        result = {"ok": False, "error": str(exc)}
    except Exception as exc:  # anything else still ends the job with a reason
        result = {"ok": False, "error": f"训练任务出错：{type(exc).__name__}: {exc}"}
    result["seconds"] = round(time.time() - reporter.started, 1)
    tmp = folder / "result.tmp"
    tmp.write_text(json.dumps(result, ensure_ascii=False))
    tmp.replace(folder / "result.json")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
