"""The message catalogue: every message in Chinese and English, Chinese the default."""

from __future__ import annotations

import string

import pytest

from station.i18n import MESSAGES, tr


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_both_languages_with_the_same_fields(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"zh_CN", "en"}
    fields = [
        {name for _, name, _, _ in string.Formatter().parse(text) if name}
        for text in texts.values()
    ]
    assert fields[0] == fields[1]


def test_chinese_is_the_default_and_unknown_languages_fall_back_to_it() -> None:
    assert tr("action.NONE") == "放行"
    assert tr("action.NONE", "en") == "release"
    assert tr("action.NONE", "fr") == "放行"
    assert tr("unit.yuan", "en", amount=500) == "500 yuan"
