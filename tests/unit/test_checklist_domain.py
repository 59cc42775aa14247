"""Checklist templates as data: the routine template and versions that never edit."""

import pytest

from services.visits.checklists import domain as checklist
from services.visits.checklists.data import extra_item, routine_template
from services.visits.checklists.domain import (
    Checklist,
    FieldProblem,
    PublishChecklist,
    RetireChecklist,
    scope_contains,
)
from shared.commands import IllegalStep
from shared.contracts.checklists import ChecklistItem, ChecklistPublished, ChecklistRetired
from shared.contracts.visits import Method
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

SICHUAN = "province:510000"
MIANYANG = "province:510000/city:510700"

DOMAIN_TITLES = [
    "校务管理和制度执行",
    "招生、收费、择校",
    "课程开设和课堂教学",
    "学生学习、体育锻炼和课业负担",
    "教师师德和专业发展",
    "校园及周边安全、学生交通安全",
    "食堂、食品、饮水及宿舍卫生",
    "校风、教风、学风建设",
]


def fold(events: list[EventPayload], state: Checklist | None = None) -> Checklist:
    state = state or Checklist()
    for e in events:
        state = checklist.evolve(state, e)
    return state


def routine_v1() -> Checklist:
    data = routine_template()
    cmd = PublishChecklist("routine", data.title, "platform", data.items)
    return fold(checklist.publish(Checklist(), cmd))


def item(code: str) -> ChecklistItem:
    return ChecklistItem(code=code, title="事项", guidance="", methods=[Method.campus_walk])


def test_the_routine_template_holds_the_eight_national_items_in_order() -> None:
    data = routine_template()
    assert [i.title for i in data.items] == DOMAIN_TITLES
    assert len({i.code for i in data.items}) == 8
    assert all(i.methods and i.guidance for i in data.items)
    ninth = extra_item("education_policy")
    assert ninth is not None and "立德树人" in ninth.title
    assert ninth.code not in {i.code for i in data.items}


def test_a_province_adds_the_ninth_item_as_version_two() -> None:
    v1 = routine_v1()
    ninth = extra_item("education_policy")
    assert ninth is not None
    cmd = PublishChecklist("routine", v1.title, SICHUAN, (ninth, *v1.items))
    [event] = checklist.publish(v1, cmd)
    assert isinstance(event, ChecklistPublished)
    assert event.version == 2 and len(event.items) == 9 and event.scope == SICHUAN
    v2 = fold([event], v1)
    assert v2.owner_scope == "platform" and v2.version_scope(2) == SICHUAN
    assert v2.version_scope(1) == "platform" and v2.version_scope(3) is None


def test_publishing_the_same_items_again_is_refused() -> None:
    v1 = routine_v1()
    with pytest.raises(IllegalStep, match="nothing changed"):
        checklist.publish(v1, PublishChecklist("routine", v1.title, SICHUAN, v1.items))


def test_a_new_version_stays_inside_the_templates_scope() -> None:
    mine = fold(
        checklist.publish(Checklist(), PublishChecklist("food", "食品", MIANYANG, (item("a"),)))
    )
    with pytest.raises(IllegalStep, match="inside the template"):
        checklist.publish(mine, PublishChecklist("food", "食品", SICHUAN, (item("b"),)))
    county = MIANYANG + "/county:510704"
    [event] = checklist.publish(mine, PublishChecklist("food", "食品", county, (item("b"),)))
    assert isinstance(event, ChecklistPublished) and event.version == 2


def test_duplicate_item_codes_name_the_items_field() -> None:
    with pytest.raises(FieldProblem) as err:
        checklist.publish(Checklist(), PublishChecklist("x", "x", SICHUAN, (item("a"), item("a"))))
    assert err.value.field == "body.items"


def test_a_retired_template_takes_no_new_version_and_retires_once() -> None:
    v1 = routine_v1()
    [event] = checklist.retire(v1, RetireChecklist("routine", "停用"))
    assert isinstance(event, ChecklistRetired)
    retired = fold([event], v1)
    with pytest.raises(IllegalStep, match="retired"):
        checklist.publish(retired, PublishChecklist("routine", "t", SICHUAN, (item("a"),)))
    with pytest.raises(IllegalStep, match="already retired"):
        checklist.retire(retired, RetireChecklist("routine", "再停用"))
    with pytest.raises(IllegalStep, match="unknown"):
        checklist.retire(Checklist(), RetireChecklist("nope", "x"))


def test_scopes_nest_under_the_platform() -> None:
    assert scope_contains("platform", MIANYANG)
    assert scope_contains(SICHUAN, MIANYANG)
    assert not scope_contains(MIANYANG, SICHUAN)
    assert not scope_contains(SICHUAN, "platform")
    assert checklist.applies_to(SICHUAN, Jurisdiction.from_path(MIANYANG + "/county:510704"))
