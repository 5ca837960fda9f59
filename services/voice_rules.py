"""The residents'-voice settings (issue 17), parsed once: how alike and how recent two reports
must be to be the same fault, when followers raise a case's priority, and how soon a suggestion
must be answered."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class VoiceRules:
    """Thresholds of the duplicate check, the followers' priority and the suggestion box."""

    duplicate_window: timedelta = timedelta(hours=48)
    duplicate_similarity: float = 0.5  # fault_topics.same_fault's score for "the same fault"
    followers_urgent_at: int = 5  # affected residents (reporter included) that make it urgent
    suggestion_reply_within: timedelta = timedelta(days=3)
