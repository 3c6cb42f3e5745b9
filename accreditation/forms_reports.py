"""Forms of the factual-accuracy check of a draft report. They validate and lay out; the services
act (and check again)."""

from __future__ import annotations

from typing import Any

from django import forms

from qismet_portal.forms import PortalFormMixin

from .forms_decisions import TEXT_MAX, _helper, _textarea
from .models import CommentResponse, ReportSection


class ReportCommentForm(PortalFormMixin, forms.Form):
    section = forms.ChoiceField(
        label="Which part of the report is it about?",
        choices=[("", "Choose a part of the report"), *ReportSection.choices],
    )
    comment = forms.CharField(
        label="Your comment",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what is factually wrong or missing and what is correct, with the "
        "criterion's code where it helps. The assessors' judgements are not open to comment "
        "here; an appeal is the way to challenge the decision.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Send this comment", name="send")


class CommentAnswerForm(PortalFormMixin, forms.Form):
    response = forms.ChoiceField(
        label="What happens in the final report",
        choices=CommentResponse.choices,
        widget=forms.RadioSelect,
    )
    text = _textarea(
        "Answer to the provider",
        required=True,
        rows=3,
        help_text="The provider reads this, and it is printed with their comment in the final "
        "report.",
    )

    def __init__(self, *args: Any, prefix_pk: int | None = None, **kwargs: Any):
        super().__init__(*args, prefix=f"answer-{prefix_pk}" if prefix_pk else None, **kwargs)
        self.helper = _helper(submit="Save the answer", name="answer")
