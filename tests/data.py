"""Paths, constants and helpers shared by the tests."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = ROOT / "data" / "articles" / "pingxiang-2024.txt"
SEED_GOLD = ROOT / "data" / "gold" / "pingxiang-2024.json"
SHARED = ROOT.parent / "shared"
KG_SCORE = SHARED / "tools" / "kg-score"


def kg_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """``kg ARGS…`` run as a user runs it, in a process of its own; its output as text."""
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True, timeout=300,
                          cwd=cwd)
