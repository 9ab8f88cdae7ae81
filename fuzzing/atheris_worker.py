"""One target under atheris (libFuzzer, coverage-guided), in a process of its own.

``python -m fuzzing.atheris_worker TARGET [libFuzzer flags and corpus dirs]``; started by
``./run fuzz --engine atheris`` (:func:`fuzzing.run.atheris_engine`), once per target, because
libFuzzer runs once per process and ends it: with exit status 0 when ``-max_total_time`` is up,
non-zero after an uncaught exception (the input is written under ``-artifact_prefix``). The
project's own modules and the COSE and CBOR libraries they decode with (``cwt``, ``cbor2``'s
Python parts) are instrumented for coverage as they are imported; instrumenting every loaded
module, cryptography's included, would cost some 15 s of start-up per target.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["ihd_app", "meter_emulator", "fuzzing", "cwt", "cbor2"]):
    from fuzzing.targets import targets


def main(argv: list[str]) -> None:
    """Fuzz ``argv[1]`` with libFuzzer's flags ``argv[2:]`` (never returns)."""
    name = argv[1]
    target = targets()[name]

    def test_one_input(data: bytes) -> None:
        target(data)

    atheris.Setup([argv[0], *argv[2:]], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
