"""The public plate (挂牌公示牌): who is listed at a school and how to reach them.

Open without a token, like the plate on the school gate; limited per client IP.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from services.visits.directory.api.access import read_model, today
from services.visits.directory.api.answers import Plate
from shared.directory.lookup import listing_active_on
from shared.params import PathId
from shared.ratelimit import rate_limited
from shared.service import RuntimeDep

LIMITER = "public_limiter"
router = APIRouter(prefix="/public", tags=["public"], dependencies=[Depends(rate_limited(LIMITER))])

EMPLOYMENT = {"full_time": "专职督学", "part_time": "兼职督学"}
LABELS = {
    "title": "标题",
    "school_name": "学校名称",
    "address": "学校地址",
    "inspectors": "责任督学",
    "name": "姓名",
    "employment_label": "类别",
    "phone": "联系电话",
    "duties": "督导职责",
    "complaints_url": "举报投诉",
}
DEFAULT_DUTIES = (
    "督促学校依法依规办学；指导学校管理和教育教学；受理、核实举报和投诉；"
    "发现问题并督促整改；向督导室报告情况"
)


@router.get("/schools/{school_id}/plate", response_model=Plate)
async def plate(school_id: PathId, runtime: RuntimeDep) -> dict[str, Any]:
    """挂牌公示牌 — the school's listed inspectors, their phones and duties (no token)."""
    schools = await read_model(runtime, "schools")
    school = await schools.find_one({"_id": school_id})
    if school is None:
        raise HTTPException(404, f"学校 {school_id} 不存在 (unknown school)")
    day = today(runtime)
    listings = await read_model(runtime, "listings")
    active = [
        d
        async for d in listings.find({"school_id": school_id}).sort("listing_id")
        if listing_active_on(d, day)
    ]
    inspectors = await read_model(runtime, "inspectors")
    shown = []
    for listing in active:
        person = await inspectors.find_one({"_id": listing["inspector_id"]})
        if person is None:
            continue
        shown.append(
            {
                "name": person["name"],
                "employment": person["employment"],
                "employment_label": EMPLOYMENT.get(person["employment"], ""),
                "title": person.get("title"),
                "phone": person.get("phone"),
                "duties": listing.get("duties") or person.get("duties") or DEFAULT_DUTIES,
                "listed_since": listing["starts_on"],
            }
        )
    return {
        "title": "责任督学挂牌督导公示牌",
        "school_id": school_id,
        "school_name": school["name"],
        "address": school.get("address"),
        "inspectors": shown,
        "complaints_url": f"/public/schools/{school_id}/complaints",
        "complaints_note": "对学校办学有意见或举报，可联系责任督学，或通过上述地址提交。",
        "on": day.isoformat(),
        "labels": LABELS,
    }
