"""Paths and constants shared by the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = ROOT / "data" / "articles" / "pingxiang-2024.txt"
SEED_GOLD = ROOT / "data" / "gold" / "pingxiang-2024.json"
SHARED = ROOT.parent / "shared"
KG_SCORE = SHARED / "tools" / "kg-score"
