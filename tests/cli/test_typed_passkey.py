"""``ihd --headless`` asks for the passkey a meter shows and reads it from standard input."""

from __future__ import annotations

import io

from ihd_app.headless.typed_passkey import TypedPasskey


def _answers(typed: str, accept: bool = False) -> tuple[TypedPasskey, list[str]]:
    said: list[str] = []
    return TypedPasskey(accept_comparison=accept, source=io.StringIO(typed), say=said.append), said


async def test_the_typed_passkey_is_the_answer_and_the_person_was_asked() -> None:
    answers, said = _answers("042917\n")
    assert await answers.enter_passkey() == 42917
    assert said == ["ihd: type the 6-digit passkey the meter shows, then Enter:"]


async def test_nothing_to_read_refuses_and_says_why() -> None:
    answers, said = _answers("")
    assert await answers.enter_passkey() is None
    assert said[-1] == "ihd: no passkey to read on standard input: pairing refused"


async def test_a_line_that_is_not_six_digits_refuses_and_names_it() -> None:
    answers, said = _answers("12 34 56\n")
    assert await answers.enter_passkey() is None
    assert said[-1] == "ihd: '12 34 56' is not a 6-digit passkey: pairing refused"


async def test_numeric_comparison_follows_accept_pairing() -> None:
    refusing, _ = _answers("")
    accepting, _ = _answers("", accept=True)
    assert await refusing.confirm_numeric(123456) is False
    assert await accepting.confirm_numeric(123456) is True
