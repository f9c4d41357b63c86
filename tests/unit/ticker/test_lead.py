"""Lead choice: the best-ranked source's latest item."""

from __future__ import annotations

from stoppress.ticker.lead import choose_lead
from tests.unit.ticker.builders import member, standings


def test_highest_authority_source_leads() -> None:
    lead = choose_lead(standings(member("blog", authority=0.3), member("reuters", authority=0.95), member("ap")))
    assert lead is not None and lead.source == "reuters"


def test_within_the_lead_source_its_latest_item_leads() -> None:
    first = member("reuters", item="1", authority=0.9, joined=0, urgency=1)
    follow_up = member("reuters", item="2", authority=0.9, joined=5, urgency=3)
    lead = choose_lead(standings(first, follow_up, member("ap", authority=0.8, joined=1)))
    assert lead is not None and lead.latest_item == follow_up.item_id


def test_ties_in_authority_go_to_the_more_urgent_source_then_the_first_to_cover_it() -> None:
    calm = member("ap", authority=0.9, urgency=4, joined=0)
    urgent = member("afp", authority=0.9, urgency=2, joined=3)
    assert (choose_lead(standings(calm, urgent)) or calm).source == "afp"
    early = member("bbc", authority=0.9, urgency=4, joined=0)
    late = member("dpa", authority=0.9, urgency=4, joined=3)
    assert (choose_lead(standings(late, early)) or late).source == "bbc"


def test_full_ties_are_broken_by_slug_so_the_choice_is_deterministic() -> None:
    lead = choose_lead(standings(member("bbb", authority=0.5), member("aaa", authority=0.5)))
    assert lead is not None and lead.source == "aaa"


def test_invisible_items_do_not_lead() -> None:
    lead = choose_lead(standings(member("reuters", authority=1.0, status="withheld"), member("ap", authority=0.5)))
    assert lead is not None and lead.source == "ap"
    assert choose_lead(standings(member(status="canceled"))) is None
