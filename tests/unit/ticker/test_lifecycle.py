"""When a change becomes an event: new, update (rate-limited, except rising levels), retract, expire."""

from __future__ import annotations

from stoppress.ticker.lifecycle import Decision, LifecyclePolicy, Snapshot, decide, expires_at

TEXT = ("Quake hits the coast", None, None)
POLICY = LifecyclePolicy(update_interval_s=30.0, story_window_s=48 * 3600)
SHOWN = Snapshot("reuters:1", 1, "urgent", 5, 2, TEXT)


def test_a_showable_story_not_yet_shown_is_new() -> None:
    assert decide(None, SHOWN, None, 0.0, POLICY) == Decision("story.new")


def test_nothing_showable_and_nothing_shown_is_no_event() -> None:
    assert decide(None, None, None, 0.0, POLICY) == Decision()


def test_a_shown_story_with_nothing_left_to_show_is_retracted_at_once() -> None:
    assert decide(SHOWN, None, 100.0, 101.0, POLICY) == Decision("story.retract")


def test_no_change_no_event() -> None:
    assert decide(SHOWN, SHOWN, 0.0, 1000.0, POLICY) == Decision()


def test_each_watched_fact_is_worth_an_update() -> None:
    changes = [
        Snapshot("ap:7", 1, "urgent", 5, 2, TEXT),
        Snapshot("reuters:1", 2, "urgent", 5, 2, TEXT),
        Snapshot("reuters:1", 1, "normal", 5, 2, TEXT),
        Snapshot("reuters:1", 1, "urgent", 4, 2, TEXT),
        Snapshot("reuters:1", 1, "urgent", 5, 3, TEXT),
    ]
    for changed in changes:
        assert decide(SHOWN, changed, 0.0, 30.0, POLICY) == Decision("story.update"), changed


def test_updates_within_the_interval_are_held_back_until_it_ends() -> None:
    more_sources = Snapshot("reuters:1", 1, "urgent", 5, 3, TEXT)
    assert decide(SHOWN, more_sources, 100.0, 110.0, POLICY) == Decision(retry_at=130.0)
    assert decide(SHOWN, more_sources, 100.0, 130.0, POLICY) == Decision("story.update")


def test_a_rising_level_is_never_held_back() -> None:
    breaking = Snapshot("reuters:1", 1, "breaking", 5, 2, TEXT)
    assert decide(SHOWN, breaking, 100.0, 101.0, POLICY) == Decision("story.update")


def test_a_falling_level_waits_like_any_other_change() -> None:
    normal = Snapshot("reuters:1", 1, "normal", 5, 2, TEXT)
    assert decide(SHOWN, normal, 100.0, 101.0, POLICY) == Decision(retry_at=130.0)


def test_a_story_expires_one_window_after_its_last_activity() -> None:
    assert expires_at(1000.0, POLICY) == 1000.0 + 48 * 3600
