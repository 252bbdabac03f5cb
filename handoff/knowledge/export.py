"""Writes the database's FAQ answers and examples out as a complete Rasa training folder.

The folder (``<training_dir>/r<revision>-<n>/``) holds everything ``rasa
train`` reads, so a model can always be traced to the exact data it learnt:
config.yml, domain.yml, the rules and stories, the entity patterns and
lookups from ``data/`` (not edited in the admin pages), and from the
database the intent examples, the FAQ examples and the FAQ answers.
Examples kept for evaluation (holdout) are written to ``heldout.yml``, not to
the training data.
"""

import shutil
from collections import defaultdict
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.knowledge.models import Example, FaqAnswer


class _Literal(str):
    """A string YAML writes as a block (``|``), as Rasa's example lists are."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def _dump(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")


def _nlu_blocks(examples: dict[str, list[str]]) -> list[dict]:
    return [{"intent": intent, "examples": _Literal("".join(f"- {t}\n" for t in texts))}
            for intent, texts in examples.items() if texts]


def static_nlu(seed_dir: Path) -> list[dict]:
    """The regexes, lookups and synonyms of data/nlu (not edited in the admin pages)."""
    blocks = []
    for path in sorted((seed_dir / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                blocks.append({k: _Literal(v) if k == "examples" else v for k, v in block.items()})
    return blocks


def export(db: Session, *, seed_dir: Path, project_dir: Path, out: Path) -> dict:
    """Writes the training folder; returns what it holds (counts per intent)."""
    if out.exists():
        shutil.rmtree(out)
    data = out / "data"
    training: dict[str, list[str]] = defaultdict(list)
    heldout: dict[str, list[str]] = defaultdict(list)
    for example in db.scalars(select(Example).order_by(Example.intent, Example.id)):
        (heldout if example.holdout else training)[example.intent].append(" ".join(example.text.split()))
    intents = {i: t for i, t in training.items() if not i.startswith("faq/")}
    faq = {i: t for i, t in training.items() if i.startswith("faq/")}
    answers = list(db.scalars(select(FaqAnswer).order_by(FaqAnswer.key)))
    faq = {f"faq/{a.key}": faq.get(f"faq/{a.key}", []) for a in answers}

    _dump({"version": "3.1", "nlu": _nlu_blocks(intents)}, data / "nlu" / "intents.yml")
    _dump({"version": "3.1", "nlu": _nlu_blocks(faq)}, data / "nlu" / "faq.yml")
    _dump({"version": "3.1", "nlu": static_nlu(seed_dir)}, data / "nlu" / "entities.yml")
    responses = {}
    for a in answers:
        variant: dict = {"text": a.text}
        if a.buttons:
            variant["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in a.buttons]
        responses[f"utter_faq/{a.key}"] = [variant]
    _dump({"version": "3.1", "responses": responses}, data / "responses" / "faq.yml")
    for folder in ("rules", "stories"):  # one file per topic, as in data/
        shutil.copytree(seed_dir / folder, data / folder)
    # The pipeline and the domain as they are; the sentiment labels
    # (data/sentiment.yml, not edited in the admin pages) stay where config.yml
    # points, so that Rasa's training cache can reuse the unchanged components.
    shutil.copy(project_dir / "domain.yml", out / "domain.yml")
    shutil.copy(project_dir / "config.yml", out / "config.yml")
    _dump({"version": "3.1", "nlu": _nlu_blocks(heldout)}, out / "heldout.yml")
    return {"intents": {i: len(t) for i, t in training.items()},
            "examples": sum(len(t) for t in training.values()),
            "faq_answers": len(answers), "heldout": sum(len(t) for t in heldout.values())}
