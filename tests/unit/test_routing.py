"""The shared route shape: one mapping of domain errors to HTTP, the If-Match and ETag
helpers, and a page, exercised on a tiny app without Kafka or MongoDB."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response

from shared.commands import (
    FieldProblem,
    Forbidden,
    IllegalStep,
    InvalidField,
    NotFound,
    UnknownReference,
)
from shared.eventstore import ConcurrencyConflict, StalePrecondition
from shared.http import DOMAIN_ERRORS, domain_error_body, error_body, install_edge, status_of
from shared.paging import MAX_LIMIT, Paging, page_of, total_order
from shared.routing import IfMatch, Page, Paged, PagedOrSkip, set_etag


def _app() -> FastAPI:
    app = FastAPI()
    install_edge(app, "test")
    errors: dict[str, Exception] = {
        "missing": NotFound("整改问题 x 不存在"),
        "forbidden": Forbidden("超出您的管辖范围"),
        "illegal": IllegalStep("不能验收"),
        "stale": StalePrecondition("issue-x", 1, 2),
        "race": ConcurrencyConflict("issue-x", 1, 2),
        "reference": InvalidField("body.evidence.0", "证据不存在"),
        "problem": FieldProblem("body.ends_on", "结束日期早于开始日期"),
    }

    @app.post("/raise/{name}")
    async def raise_(name: str) -> None:
        raise errors[name]

    @app.post("/write")
    async def write(response: Response, expected: IfMatch) -> dict[str, Any]:
        set_etag(response, (expected or 0) + 1)
        return {"expected": expected}

    @app.get("/page", response_model=Page[int])
    async def page() -> Page[int]:
        return Page[int](total=3, offset=1, limit=2, items=[2, 3])

    @app.get("/rows", response_model=Page[int])
    async def rows(paging: Paged) -> Page[int]:
        return page_of(list(range(1, 8)), paging)

    @app.get("/old-rows", response_model=Page[int])
    async def old_rows(paging: PagedOrSkip) -> Page[int]:
        return page_of(list(range(1, 8)), paging)

    return app


@pytest.fixture
async def client() -> Any:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_each_domain_error_has_one_status_and_the_platform_body(client: Any) -> None:
    answers = {
        name: await client.post(f"/raise/{name}")
        for name in ("missing", "forbidden", "illegal", "stale", "race", "reference", "problem")
    }
    assert {n: r.status_code for n, r in answers.items()} == {
        "missing": 404,
        "forbidden": 403,
        "illegal": 409,
        "stale": 412,
        "race": 409,
        "reference": 422,
        "problem": 422,
    }
    assert answers["forbidden"].json() == {"error": "forbidden", "message": "超出您的管辖范围"}
    assert answers["stale"].json()["current_version"] == 2
    assert answers["reference"].json()["errors"] == [
        {"field": "body.evidence.0", "message": "证据不存在", "type": "invalid_reference"}
    ]
    problem = answers["problem"].json()
    assert problem["message"] == "请求数据不符合要求 (invalid request)"
    assert problem["errors"] == [
        {"field": "body.ends_on", "message": "结束日期早于开始日期", "type": "value_error"}
    ]


def test_a_subclass_maps_as_its_base() -> None:
    assert status_of(FieldProblem("body.x", "…")) == DOMAIN_ERRORS[InvalidField]
    unknown = domain_error_body(UnknownReference("body.campaign_id", "专项督导 c9 不存在"))
    assert unknown["errors"][0]["type"] == "invalid_reference"  # as every unknown id
    assert status_of(RuntimeError()) == 500


async def test_if_match_names_the_expected_version_and_etag_the_next(client: Any) -> None:
    assert (await client.post("/write")).json() == {"expected": None}
    written = await client.post("/write", headers={"If-Match": 'W/"4"'})
    assert written.json() == {"expected": 4}
    assert written.headers["ETag"] == '"5"'
    assert (await client.post("/write", headers={"If-Match": "four"})).status_code == 422


async def test_a_page_says_how_many_match_in_all(client: Any) -> None:
    assert (await client.get("/page")).json() == {
        "total": 3,
        "offset": 1,
        "limit": 2,
        "items": [2, 3],
    }


async def test_a_list_pages_by_offset_and_limit(client: Any) -> None:
    first = (await client.get("/rows", params={"limit": 3})).json()
    assert first == {"total": 7, "offset": 0, "limit": 3, "items": [1, 2, 3]}
    last = (await client.get("/rows", params={"offset": 6, "limit": 3})).json()
    assert last == {"total": 7, "offset": 6, "limit": 3, "items": [7]}
    assert (await client.get("/rows")).json()["limit"] == 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": -1}, "query.offset"),
        ({"offset": 100_001}, "query.offset"),
        ({"limit": 0}, "query.limit"),
        ({"limit": MAX_LIMIT + 1}, "query.limit"),
        ({"limit": "many"}, "query.limit"),
    ],
)
async def test_paging_out_of_bounds_is_422_naming_the_parameter(
    client: Any, params: dict[str, Any], field: str
) -> None:
    r = await client.get("/rows", params=params)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [field]


async def test_skip_is_the_old_name_of_offset_where_a_route_had_it(client: Any) -> None:
    old = (await client.get("/old-rows", params={"skip": 2, "limit": 2})).json()
    assert old == (await client.get("/old-rows", params={"offset": 2, "limit": 2})).json()
    assert old["items"] == [3, 4]
    both = await client.get("/old-rows", params={"skip": 2, "offset": 2})
    assert both.status_code == 200
    r = await client.get("/old-rows", params={"skip": 1, "offset": 2})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.skip"
    # a route that never had ``skip`` does not learn it
    assert (await client.get("/rows", params={"skip": 2})).json()["offset"] == 0


def test_the_order_of_a_page_is_total() -> None:
    assert total_order([("planned_on", -1)]) == [("planned_on", -1), ("_id", 1)]
    assert total_order([("month", -1), ("_id", 1)]) == [("month", -1), ("_id", 1)]
    assert page_of([1, 2], Paging(offset=5)).items == []


async def test_the_frameworks_own_errors_answer_zh_cn_first(client: Any) -> None:
    missing = await client.get("/no-such-route")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": "接口不存在 (Not Found)"}
    wrong = await client.get("/write")
    assert wrong.status_code == 405
    assert wrong.json()["message"] == "不支持该请求方法 (Method Not Allowed)"
    ours = await client.post("/raise/missing")  # a message of ours is kept as it is
    assert ours.json()["message"] == "整改问题 x 不存在"
    assert error_body(415, "只接受 XLSX 或 CSV")["error"] == "unsupported_media_type"
