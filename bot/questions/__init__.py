"""Questions across dialogues: timelines, side-by-side positions, who met whom, and the rounds of a series."""

from bot.questions.compare import compare, compare_sides, split_compare
from bot.questions.ego import EgoNetwork
from bot.questions.network import network
from bot.questions.series import series_answer
from bot.questions.timeline import timeline

__all__ = ["EgoNetwork", "compare", "compare_sides", "network", "series_answer", "split_compare", "timeline"]
