"""What a candidate's prompt carries from experience: the lessons of earlier runs, the Director's
guidance and the Critic's findings, each marked as such with where it came from. One object per
generation; `text_for(role)` is the {experience} fill of the role's template (empty when there is
nothing, so a prompt without experience reads exactly as before)."""

from __future__ import annotations

from dataclasses import dataclass, field

from stem.evolution import critic as criticlib
from stem.evolution.roles import Role


@dataclass
class Experience:
    lessons: str = ""  # the rendered lessons section (lessons.render)
    director: str = ""  # the rendered guidance section (director.render)
    reviews: list[criticlib.Review] = field(default_factory=list)  # the Critic's reviews of front organs

    def text_for(self, role: Role) -> str:
        parts = [p for p in (self.lessons, self.director, criticlib.render(self.reviews, role.parents)) if p]
        return "\n\n".join(parts) + "\n\n" if parts else ""
