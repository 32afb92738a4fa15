"""Whether what a sync applied can change the open inspection (the window reloads it only then)."""

from __future__ import annotations

from inspector.core.changes import Changes
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections
from inspector.domain.communities import CommunityData


def test_only_changes_bearing_on_the_inspection_reload_it(ready_store: Store) -> None:
    store = ready_store
    mine = inspections.start(store, "柳西社区", ["王建国"])
    other_community = communities.create(store, CommunityData("海曙区", "南门街道", "孝闻社区"))
    other = inspections.start(store, other_community, ["陈晓燕"])
    own_community = str(inspections.get(store, mine)["community_id"])
    my_finding = findings.add(store, mine, category="corridor_clutter", description="楼道堆物")
    their_finding = findings.add(store, other, category="corridor_clutter", description="堆物")

    def bears(*pairs: tuple[str, str]) -> bool:
        return inspections.bears_on(store, mine, Changes.of(pairs))

    assert not bears()
    assert not bears(("communities", other_community), ("devices", "abc"))
    assert not bears(("inspections", other), ("responses", f"{other}:A01"))
    assert not bears(("findings", their_finding))
    assert bears(("communities", own_community))
    assert bears(("inspections", mine))
    assert bears(("responses", f"{mine}:A01"))
    assert bears(("findings", my_finding))
    assert bears(("findings", "gone"))  # a row that went away: cannot tell
    assert bears(("photo_links", "x"))  # a table it cannot narrow: assumed to
