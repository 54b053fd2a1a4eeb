"""The contract between a claim's statement and its span in the article's text.

``statement`` is ``text[statement_start:statement_end]``, except where the source's attribution is set
inside the statement ("Climate change, Mr. Obama says, is the greatest threat"; "the state funding system,
which advocates say disadvantages needy schools", where the relative pronoun and the source stand between
the subject and its verb): then it is the two parts around that attribution, joined by a space, and the span
runs over both. A quote has such a gap where the quotation goes on after its speaker's sign-off ('"We're
stateless," Ki Hong said. "I feel I deserve to be here."'): the two quoted parts, marks included.
"""
from __future__ import annotations


def check_statement_span(text: str, c) -> None:
    ss, se = c.statement_start, c.statement_end
    if text[ss:se] == c.statement:
        return
    assert c.kind in ("reported", "quote") and c.claimant_start is not None and c.cue_start is not None, c
    for k in range(1, len(c.statement)):
        rest = len(c.statement) - k - 1
        if c.statement[k] == " " and c.statement[:k] == text[ss:ss + k] and c.statement[k + 1:] == text[se - rest:se]:
            gap = (ss + k, se - rest)      # what was left out: ", X said," with the claimant and the cue
            left = text[gap[0]:gap[1]].strip()
            if not (gap[0] <= c.claimant_start and c.cue_end <= gap[1]):
                continue
            if c.kind == "reported" and left.startswith(",") and \
                    (left.endswith(",") or text[gap[0]:c.cue_end].strip() == left):
                return
            if c.kind == "quote" and c.statement[k - 1] in "”\"’»" and c.statement[k + 1] in "“\"‘«" and \
                    not left.strip(" .,;:").replace(text[c.claimant_start:c.claimant_end], "").replace(
                        text[c.cue_start:c.cue_end], "").strip(" .,;:\u00a0"):
                return      # '"...," Ki Hong said. "..."': only the speaker and the cue between the two parts
    raise AssertionError(f"statement {c.statement!r} is not its span {text[ss:se]!r} less an attribution")
