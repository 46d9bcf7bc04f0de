"""The quick-test bank: YAML files under ``lessons/quick_tests/``, loaded and schema-checked.

One file per quiz (``01.yml`` .. ``09.yml`` for the lessons, ``final.yml`` for the end-of-course
test)::

    quiz: "04"
    title: Class weights and losses
    questions:
      - id: "04-inverse-minority"      # unique across the whole bank
        lesson: "04"                   # lesson the question links back to
        topic: class_weights           # snake_case topic tag within the lesson
        section: toolkit.class_weighted_loss   # syllabus section covered (see SECTIONS)
        type: multiple_choice          # see TYPES
        prompt: ...
        options:                       # choice types: every option explains itself
          - {text: ..., explain: ...}
        answer: 1                      # index (multiple_choice) or list of indices (multiple_select)
        explanation: ...               # why the right answer is right (every type)

``numeric`` questions give ``answer`` (static) or ``generator`` (a key of
:data:`grader.quiz.params.GENERATORS`; the prompt's ``{placeholders}`` are filled per attempt),
plus ``abs_tol`` and/or ``rel_tol`` (>= 0) and optional ``mistakes`` ({value, explain}: common
wrong answers, static only). ``ordering`` questions list ``steps`` ({text, explain}) in the
correct order; they are shuffled when shown. Any malformed entry raises :class:`BankError`
naming the file and question id. Scoring lives in :mod:`grader.quiz.scoring` and takes plain
answers, so a grader-side answer key can reuse it.
"""
from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

QUIZZES = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "final")
LESSONS = QUIZZES[:-1]
TYPES = ("multiple_choice", "multiple_select", "numeric", "ordering")

# Syllabus section key -> heading (or bullet start) in shared/seed/syllabus.txt. The bank must
# cover every key; tests check both directions.
SECTIONS = {
    "why_it_matters": "Why this matters",
    "concept": "Concept explained simply",
    "mental_model": "Mental model",
    "toolkit.stratified_seeding": "Stratified seeding",
    "toolkit.source_quotas": "Source quotas",
    "toolkit.deduplication": "Deduplication",
    "toolkit.active_learning": "Active learning",
    "toolkit.minority_aware_batching": "Minority-aware batching",
    "labeling_guidelines": "Then: Stratified sampling and labeling guidelines",
    "toolkit.oversampling": "Oversampling",
    "toolkit.undersampling": "Undersampling",
    "toolkit.augmentation": "Augmentation for text",
    "toolkit.class_weighted_loss": "Class-weighted loss",
    "toolkit.focal_loss": "Focal loss",
    "toolkit.threshold_moving": "Threshold moving",
    "toolkit.calibration": "Calibration",
    "toolkit.eval_splits": "Use stratified splits",
    "toolkit.eval_metrics": "Prefer PR-AUC",
    "toolkit.eval_confusion_cost": "Report class-wise confusion matrices",
    "example.toxic": "Example 1",
    "example.intents": "Example 2",
    "example.ner": "Example 3",
    "playbook": "Step-by-step playbook",
    "mistake.oversampling_validation": "Mistake: Oversampling in validation",
    "mistake.accuracy_only": "Mistake: Reporting only accuracy",
    "mistake.duplicates": "Mistake: Ignoring duplicates",
    "mistake.over_augmenting": "Mistake: Over-augmenting",
    "mistake.global_threshold": "Mistake: One global threshold",
    "exercise.class_weights": "Exercise 1",
    "exercise.labeling_plan": "Exercise 2",
    "projects": "Practical projects",
    "learning_path": "Learning path",
    "audience": "Who this is for",
    "next_steps": "Next steps",
    "mini_challenge": "Mini challenge",
}

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOPIC = re.compile(r"^[a-z][a-z0-9_]*$")
_COMMON = {"id", "lesson", "topic", "section", "type", "prompt", "explanation"}
_FIELDS = {
    "multiple_choice": _COMMON | {"options", "answer"},
    "multiple_select": _COMMON | {"options", "answer"},
    "numeric": _COMMON | {"answer", "generator", "abs_tol", "rel_tol", "mistakes", "unit"},
    "ordering": _COMMON | {"steps"},
}


class BankError(ValueError):
    """A malformed bank file; the message names the file and, when known, the question id."""

    def __init__(self, file, message, question_id=None):
        self.file, self.question_id = str(file), question_id
        where = f"{self.file}" + (f", question {question_id!r}" if question_id is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Option:
    text: str
    explain: str


@dataclass(frozen=True)
class Question:
    """One validated question. ``options``/``answer`` for choice types, ``steps`` (correct order)
    for ordering; numeric has ``answer`` or ``generator`` and its tolerances."""

    id: str
    lesson: str
    topic: str
    section: str
    type: str
    prompt: str
    explanation: str
    options: tuple = ()
    answer: object = None
    steps: tuple = ()
    generator: str | None = None
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    mistakes: tuple = ()
    unit: str = ""


@dataclass(frozen=True)
class Quiz:
    quiz: str
    title: str
    questions: tuple = field(default_factory=tuple)
    file: str = ""

    def __len__(self):
        return len(self.questions)


def default_bank_dir() -> Path:
    """``$IMBALANCE_LAB_BANK`` if set, else ``lessons/quick_tests`` of this repository."""
    env = os.environ.get("IMBALANCE_LAB_BANK")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "lessons" / "quick_tests"


def _text(raw, key, file, qid, required=True):
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise BankError(file, f"field {key!r} must be a non-empty string", qid)
    return value.strip()


def _number(raw, key, file, qid, default=None):
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise BankError(file, f"field {key!r} must be a number, got {value!r}", qid)
    return float(value)


def _options(raw, key, minimum, file, qid):
    """Validate ``raw[key]``: a list of {text, explain} (choice options or ordering steps)."""
    what = key[:-1]
    opts = raw.get(key)
    if not isinstance(opts, list) or len(opts) < minimum:
        raise BankError(file, f"{key!r} must be a list of at least {minimum} {key}", qid)
    out = []
    for i, o in enumerate(opts):
        if not isinstance(o, dict):
            raise BankError(file, f"{what} {i} must be a mapping with 'text' and 'explain'", qid)
        if not isinstance(o.get("text"), str) or not o["text"].strip():
            raise BankError(file, f"{what} {i} has no 'text'", qid)
        if not isinstance(o.get("explain"), str) or not o["explain"].strip():
            raise BankError(file, f"{what} {i} has no 'explain' (every {what} needs an explanation)", qid)
        out.append(Option(o["text"].strip(), o["explain"].strip()))
    if len({o.text for o in out}) != len(out):
        raise BankError(file, f"two {key} have the same text", qid)
    return tuple(out)


def _index(value, n, file, qid):
    if isinstance(value, bool) or not isinstance(value, int):
        raise BankError(file, f"answer index must be an integer, got {value!r}", qid)
    if not 0 <= value < n:
        raise BankError(file, f"answer index {value} out of range for {n} options (0..{n - 1})", qid)
    return value


def _placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _question(raw, file, quiz_id):
    if not isinstance(raw, dict):
        raise BankError(file, f"each question must be a mapping, got {type(raw).__name__}")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise BankError(file, f"'id' must be a lowercase slug string, got {qid!r}", qid)
    qtype = raw.get("type")
    if qtype not in TYPES:
        raise BankError(file, f"unknown type {qtype!r}; expected one of {', '.join(TYPES)}", qid)
    unknown = sorted(set(raw) - _FIELDS[qtype])
    if unknown:
        raise BankError(file, f"unknown field(s) {unknown} for type {qtype}", qid)
    lesson = raw.get("lesson")
    allowed = LESSONS if quiz_id == "final" else (quiz_id,)
    if lesson not in allowed:
        raise BankError(file, f"'lesson' must be {' or '.join(allowed) if len(allowed) < 3 else f'one of {LESSONS[0]}..{LESSONS[-1]}'} "
                        f"(quoted), got {lesson!r}", qid)
    topic = raw.get("topic")
    if not isinstance(topic, str) or not _TOPIC.match(topic):
        raise BankError(file, f"'topic' must be a snake_case tag, got {topic!r}", qid)
    section = raw.get("section")
    if section not in SECTIONS:
        raise BankError(file, f"unknown syllabus section {section!r}", qid)
    common = dict(id=qid, lesson=lesson, topic=topic, section=section, type=qtype,
                  prompt=_text(raw, "prompt", file, qid), explanation=_text(raw, "explanation", file, qid))
    if qtype == "multiple_choice":
        options = _options(raw, "options", 2, file, qid)
        return Question(**common, options=options, answer=_index(raw.get("answer"), len(options), file, qid))
    if qtype == "multiple_select":
        options = _options(raw, "options", 2, file, qid)
        ans = raw.get("answer")
        if not isinstance(ans, list) or not ans:
            raise BankError(file, "'answer' must be a non-empty list of option indices", qid)
        idx = [_index(a, len(options), file, qid) for a in ans]
        if len(set(idx)) != len(idx):
            raise BankError(file, f"'answer' repeats an index: {ans}", qid)
        return Question(**common, options=options, answer=tuple(sorted(idx)))
    if qtype == "ordering":
        return Question(**common, steps=_options(raw, "steps", 3, file, qid))
    return _numeric(raw, common, file, qid)


def _numeric(raw, common, file, qid):
    from .params import GENERATORS  # params imports the kit; keep bank import light otherwise

    has_answer, generator = "answer" in raw, raw.get("generator")
    if has_answer == (generator is not None):
        raise BankError(file, "numeric questions need exactly one of 'answer' or 'generator'", qid)
    if "abs_tol" not in raw and "rel_tol" not in raw:
        raise BankError(file, "numeric questions need 'abs_tol' and/or 'rel_tol'", qid)
    abs_tol, rel_tol = _number(raw, "abs_tol", file, qid, 0.0), _number(raw, "rel_tol", file, qid, 0.0)
    if abs_tol < 0 or rel_tol < 0:
        raise BankError(file, f"tolerance must be >= 0, got abs_tol={abs_tol}, rel_tol={rel_tol}", qid)
    mistakes = []
    for i, m in enumerate(raw.get("mistakes") or []):
        if not isinstance(m, dict) or not isinstance(m.get("explain"), str) or not m["explain"].strip():
            raise BankError(file, f"mistake {i} needs a 'value' and an 'explain'", qid)
        mistakes.append((_number(m, "value", file, qid), m["explain"].strip()))
    if generator is not None:
        if generator not in GENERATORS:
            raise BankError(file, f"unknown generator {generator!r}; known: {', '.join(sorted(GENERATORS))}", qid)
        if mistakes:
            raise BankError(file, "parameterized questions get their mistakes from the generator", qid)
        names = GENERATORS[generator](np.random.default_rng(0)).values
        missing = (_placeholders(common["prompt"]) | _placeholders(common["explanation"])) - set(names)
        if missing:
            raise BankError(file, f"placeholders {sorted(missing)} are not provided by generator "
                            f"{generator!r} (it gives {sorted(names)})", qid)
        answer = None
    else:
        answer = _number(raw, "answer", file, qid)
        if _placeholders(common["prompt"]):
            raise BankError(file, "placeholders in the prompt need a 'generator'", qid)
    return Question(**common, answer=answer, generator=generator, abs_tol=abs_tol, rel_tol=rel_tol,
                    mistakes=tuple(mistakes), unit=str(raw.get("unit") or ""))


def load_file(path) -> Quiz:
    """Load and validate one bank file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BankError(path, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise BankError(path, "the file must hold a mapping with 'quiz', 'title' and 'questions'")
    quiz_id = raw.get("quiz")
    if quiz_id not in QUIZZES or path.stem != quiz_id:
        raise BankError(path, f"'quiz' must be one of {', '.join(QUIZZES)} (quoted) and match the file name, "
                        f"got {quiz_id!r}")
    title = _text(raw, "title", path, None)
    items = raw.get("questions")
    if not isinstance(items, list) or not items:
        raise BankError(path, "'questions' must be a non-empty list")
    questions, seen = [], set()
    for item in items:
        q = _question(item, path, quiz_id)
        if q.id in seen:
            raise BankError(path, "duplicate question id", q.id)
        seen.add(q.id)
        questions.append(q)
    return Quiz(quiz=quiz_id, title=title, questions=tuple(questions), file=str(path))


def load_quiz(quiz_id: str, bank_dir=None) -> Quiz:
    """Load one quiz by id (``"01"`` .. ``"10"`` or ``"final"``; ``4`` or ``"4"`` mean ``"04"``)."""
    quiz_id = normalize_quiz_id(quiz_id)
    return load_file(Path(bank_dir or default_bank_dir()) / f"{quiz_id}.yml")


def normalize_quiz_id(quiz_id) -> str:
    text = str(quiz_id).strip().lower()
    if text.isdigit():
        text = f"{int(text):02d}"
    if text not in QUIZZES:
        raise ValueError(f"unknown quiz {quiz_id!r}; choose one of {', '.join(QUIZZES)}")
    return text


def load_bank(bank_dir=None) -> dict:
    """Load every quiz of the bank; question ids must be unique across all files."""
    bank_dir = Path(bank_dir or default_bank_dir())
    missing = [q for q in QUIZZES if not (bank_dir / f"{q}.yml").exists()]
    if missing:
        raise BankError(bank_dir, f"missing quiz files: {', '.join(m + '.yml' for m in missing)}")
    bank, owner = {}, {}
    for quiz_id in QUIZZES:
        quiz = load_file(bank_dir / f"{quiz_id}.yml")
        for q in quiz.questions:
            if q.id in owner:
                raise BankError(quiz.file, f"duplicate question id (also in {owner[q.id]})", q.id)
            owner[q.id] = quiz.file
        bank[quiz_id] = quiz
    return bank
