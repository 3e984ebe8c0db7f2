"""briefbot: briefings on Track-II diplomatic and think-tank dialogues."""

__version__ = "0.1.0"
