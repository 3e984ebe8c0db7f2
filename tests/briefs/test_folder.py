"""A briefs folder that cannot be listed is one clear error, the same from validate and from the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.briefs.folder import brief_files
from bot.errors import BriefsUnavailable
from bot.index.store import BriefStore


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda tmp: tmp / "missing", "does not exist"),
        (lambda tmp: (tmp / "file.yaml").touch() or tmp / "file.yaml", "is not a folder"),
    ],
)
def test_unlistable_folder_is_one_clear_error(tmp_path: Path, make: Callable[[Path], Path], said: str) -> None:
    """Listing a missing folder, or a file given as the folder, says which and names the path, in both readers."""
    directory = make(tmp_path)
    with pytest.raises(BriefsUnavailable) as listed:
        brief_files(directory)
    with pytest.raises(BriefsUnavailable) as loaded:
        BriefStore(directory).load()
    assert said in str(listed.value) and str(directory) in str(listed.value)
    assert str(loaded.value) == str(listed.value)
