"""A reading process for `parallel`: reads its part of a SAF-T file and sends back what it found.

Started as `python -m settlement.sources.saft.worker`; reads one pickled job from stdin and writes
pickled messages to stdout: ("batch", receipt_ids, line tuples) as transactions are converted, then
("done", ReadOutcome), or ("failed", traceback) on a bug. It touches no database.
"""

from __future__ import annotations

import pickle
import sys
import traceback

from settlement import i18n
from settlement.domain import text
from settlement.sources.saft.reader import FileReader
from settlement.sources.saft.transactions import Converted


def main() -> int:
    job = pickle.load(sys.stdin.buffer)
    text.install(i18n.load(job.get("language", "en")))  # the problems in the importing process's language
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries messages only

    def send(message) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    def sink(batch: list[Converted]) -> None:
        # Lines are tuples already (transactions.Line); sent as plain tuples, the cheapest to pickle.
        rows = [tuple(line) for converted in batch for line in converted.lines]
        send(("batch", [converted.receipt_id for converted in batch], rows))

    try:
        reader = FileReader(job["path"], job["vendors"], job["override"], sink, job["batch_lines"],
                            job["first_line"], job["stop_line"], job.get("jump"), job.get("line_limit"),
                            job.get("skip", frozenset()))
        send(("done", reader.read()))
    except BrokenPipeError:
        return 1  # the importing process is gone
    except Exception:
        send(("failed", traceback.format_exc()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
