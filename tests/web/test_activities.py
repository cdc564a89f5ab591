"""活动 in the browser: the quarter calendar in the five-joint colours, details, phone list."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, shot

QUARTER = "2026Q4"
#: the five-joint colours of app.css (--j-<joint_type>) as computed RGB
JOINT_RGB = {
    "joint_activities": "rgb(231, 76, 60)",
    "joint_organization": "rgb(142, 68, 173)",
    "shared_resources": "rgb(41, 128, 185)",
    "joint_member_management": "rgb(211, 84, 0)",
    "joint_services": "rgb(22, 160, 133)",
}


def _activities(server: ApiServer) -> list[dict[str, Any]]:
    body = server.client("viewer").get("/activities", params={"quarter": QUARTER, "limit": 1000})
    data = body.json()
    assert data["total"] == len(data["items"]) > 0
    return data["items"]


def test_quarter_calendar_in_joint_colours(console: Console, server: ApiServer) -> None:
    items = _activities(server)
    communities = {
        c["id"]: c["name"]
        for c in server.client("viewer").get("/communities", params={"limit": 1000}).json()["items"]
    }
    console.sign_in("committee")
    console.open("activities")
    page = console.page
    expect(page.locator("#activities-quarter")).to_have_value(QUARTER)
    calendar = page.locator("#activities-calendar")
    expect(calendar.locator(".act-month")).to_have_count(3)
    expect(calendar.locator(".act-month h2").first).to_contain_text("2026年10月")
    chips = calendar.locator(".tag.joint[data-activity]")
    expect(chips).to_have_count(len(items))
    expect(page.locator("#activities-summary")).to_contain_text(f"共 {len(items)} 项活动")
    for a in items:
        chip = calendar.locator(f'td[data-date="{a["date"]}"] [data-activity="{a["id"]}"]')
        expect(chip).to_have_class(f"tag joint {a['joint_type']} act-chip")
        expect(chip).to_have_text(a["title"])
        colour = chip.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour == JOINT_RGB[a["joint_type"]], (a["id"], colour)
    # the legend: the five joints with their counts
    legend = page.locator("#activities-legend [data-joint]")
    expect(legend).to_have_count(5)
    for joint, rgb in JOINT_RGB.items():
        n = sum(1 for a in items if a["joint_type"] == joint)
        item = page.locator(f'#activities-legend [data-joint="{joint}"]')
        expect(item).to_contain_text(str(n))
        swatch = item.locator(".tag")
        assert swatch.evaluate("el => getComputedStyle(el).backgroundColor") == rgb
    shot(page, "activities-calendar")

    # details on click
    a = items[0]
    calendar.locator(f'[data-activity="{a["id"]}"]').click()
    dialog = page.locator("#activities-detail")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text(a["title"])
    expect(dialog.locator("[data-field=community]")).to_contain_text(communities[a["community_id"]])
    expect(dialog.locator("[data-field=roles] li")).to_have_count(len(a["roles"]))
    shot(page, "activities-detail")
    page.click("#activities-detail-close")
    expect(dialog).to_have_count(0)

    # the legend filters by joint type
    joint = a["joint_type"]
    page.click(f'#activities-legend [data-joint="{joint}"]')
    expect(chips).to_have_count(sum(1 for x in items if x["joint_type"] == joint))
    expect(page.locator("#activities-joint")).to_have_value(joint)
    page.click(f'#activities-legend [data-joint="{joint}"]')
    expect(chips).to_have_count(len(items))


def test_details_show_the_units_of_the_published_plan(console: Console, server: ApiServer) -> None:
    api = server.client("committee")
    r = api.post("/plans", json={"quarter": QUARTER, "time_limit": 5})
    assert r.status_code == 202, r.text
    plan_id = r.json()["id"]
    deadline = time.monotonic() + 120
    while (job := api.get(f"/plans/{plan_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    published = api.post(f"/plans/{plan_id}/publish")
    assert published.status_code == 200, published.text
    roles = [a for a in job["plan"]["assignments"] if a["type"] == "role"]
    assert roles
    activity = roles[0]["activity"]
    units = {a["unit_name"] for a in roles if a["activity"] == activity}

    console.sign_in("unit:u01")
    console.open("activities")
    page = console.page
    planned = {a["activity"] for a in roles}
    expect(page.locator("#activities-summary")).to_contain_text(f"{len(planned)} 项活动已安排单位")
    page.click(f'#activities-calendar [data-activity="{activity}"]')
    dialog = page.locator("#activities-detail")
    expect(dialog).to_be_visible()
    for name in units:
        expect(dialog.locator(".act-unit", has_text=name)).to_have_count(1)
    # what the dialog lists is what GET /assignments says for the activity
    listed = api.get("/assignments", params={"activity_id": activity}).json()
    assert {a["plan_id"] for a in listed} == {plan_id}
    expect(dialog.locator(".act-unit")).to_have_count(len(listed))
    shot(page, "activities-detail-assigned")
    page.click("#activities-detail-close")
    mine = {a["activity"] for a in roles if a["unit"] == "u01"}
    expect(page.locator("#activities-calendar .act-chip.mine")).to_have_count(len(mine))


def test_phone_list_view(console: Console, server: ApiServer) -> None:
    items = _activities(server)
    page = console.page
    page.set_viewport_size({"width": 390, "height": 844})
    console.sign_in("viewer")
    page.click("#menu-toggle")
    console.open("activities")
    listing = page.locator("#activities-list")
    expect(listing).to_be_visible()
    expect(listing.locator("li[data-activity]")).to_have_count(len(items))
    expect(listing.locator(".tag.joint")).to_have_count(len(items))
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    shot(page, "activities-phone-list")
    page.locator("#activities-list .act-open").first.click()
    expect(page.locator("#activities-detail")).to_be_visible()
    shot(page, "activities-phone-detail")
    page.click("#activities-detail-close")
    page.click("#activities-view-calendar")
    expect(page.locator("#activities-calendar .tag.joint[data-activity]")).to_have_count(len(items))
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    shot(page, "activities-phone-calendar")
