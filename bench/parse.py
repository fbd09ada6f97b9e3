"""Letter parser throughput: the two seed letters repeated to about 1 MB, clauses per second.

Standalone (python bench/parse.py): the parser is pure, so no Django settings or database.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from obligations.letters.parser import parse_letters  # noqa: E402

TARGET_CHARS = 1_000_000
FIXTURES = ROOT / "tests" / "letters" / "fixtures"


def sample() -> str:
    """One document holding the seed letters one after another, like the seed's collection."""
    pair = "\n".join((FIXTURES / name).read_text(encoding="utf-8") for name in ("letter1.txt", "letter2.txt"))
    return "\n".join(pair for _ in range(max(1, TARGET_CHARS // len(pair))))


def main() -> None:
    text = sample()
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        letters = parse_letters(text)
        runs.append(time.perf_counter() - started)
    best = min(runs)
    clauses = sum(len(letter.clauses) for letter in letters)
    print(f"{len(text):,} characters, {len(letters):,} letters, {clauses:,} clauses; best of {len(runs)}: "
          f"{best:.2f} s, {clauses / best:,.0f} clauses/s")


if __name__ == "__main__":
    main()
