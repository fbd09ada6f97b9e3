"""Letter parser throughput: the two seed letters repeated to about 1 MB, clauses per second;
then the time and peak memory of reading and parsing the largest accepted inputs (MAX_CHARS
characters): the seed's letters, the most clauses, and the worst shapes found for #20, one
clause of thousands of sub-items, comma phrases or blanks on one line (each cut into its duties).

Standalone (python bench/parse.py): the parser is pure, so no Django settings or database.
The memory is measured in a child process (its peak RSS), as a web worker would hold it.
"""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from obligations.letters.parser import parse_letters  # noqa: E402
from obligations.letters.reading import MAX_CHARS  # noqa: E402

TARGET_CHARS = 1_000_000
FIXTURES = ROOT / "tests" / "letters" / "fixtures"
# A child's own peak memory: VmHWM, the high-water mark of its resident memory, starts afresh at exec
# (ru_maxrss would keep the size of the process that forked it).
PEAK = """
def PEAK():
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
"""
# Read and parse one file in a fresh interpreter; print its own peak RSS in bytes.
CHILD = PEAK + """
import sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from obligations.letters.parser import parse_letters
from obligations.letters.reading import read_letter
letters = parse_letters(read_letter(Path(sys.argv[1]).read_bytes(), sys.argv[1]))
print(sum(len(letter.clauses) for letter in letters), PEAK())
"""
BASELINE = PEAK + "print(0, PEAK())"


def seed_pair() -> str:
    return "\n".join((FIXTURES / name).read_text(encoding="utf-8") for name in ("letter1.txt", "letter2.txt"))


def sample() -> str:
    """One document holding the seed letters one after another, like the seed's collection."""
    pair = seed_pair()
    return "\n".join(pair for _ in range(max(1, TARGET_CHARS // len(pair))))


def largest_inputs() -> dict[str, str]:
    """The largest accepted inputs: the seed's letters, one short clause a line (the most clauses),
    and one clause on one line of sub-items, of comma phrases (the most duties in one clause) or of blanks (after a field label too)."""
    shapes = (("seed letters", "", seed_pair()), ("short clauses", "", "1.平台每日巡检。\n"),
              ("one line of sub-items", "1.平台落实以下措施:", "①每日3次;"),
              ("one line of numbered sub-items", "1.平台落实以下措施:", "".join(f"({n})每日巡检{n}次;" for n in range(1, 100))),
              ("one line of comma phrases", "1.平台", "每日巡检,每月抽检,"),
              ("one line of blanks", "1.平台", "每日____次 "),
              ("one line of blanks after a field label", "1.承诺人:", "每日____次 "))
    return {name: (head + unit * (MAX_CHARS // len(unit) + 1))[:MAX_CHARS] for name, head, unit in shapes}


def peak_memory(path: Path | None) -> tuple[int, int]:
    args = [sys.executable, "-c", CHILD, str(path), str(ROOT)] if path else [sys.executable, "-c", BASELINE]
    clauses, peak = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
    return int(clauses), int(peak)


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
    _, interpreter = peak_memory(None)
    print(f"time and peak memory of the largest accepted inputs ({MAX_CHARS:,} characters), read and parsed in a "
          f"child process (an empty interpreter: {interpreter / 2**20:.0f} MB):")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    for name, largest in largest_inputs().items():
        path = out / f"largest-{name.replace(' ', '-')}.txt"
        path.write_text(largest, encoding="utf-8")
        started = time.perf_counter()
        clauses, peak = peak_memory(path)
        print(f"  {name}: {clauses:,} clauses, peak {peak / 2**20:.0f} MB, {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
